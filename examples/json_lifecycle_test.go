package examples

import (
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// The JSON example answers typed requests and explains what it cannot
// decode; its status page is on the same URL.
func TestJSONExample(t *testing.T) {
	t.Parallel()
	p := startProc(t, buildExample(t, "json"), "-addr", "127.0.0.1:0")
	if st := statusJSON(t, p.url); st.Route != "/" {
		t.Errorf("status route %q", st.Route)
	}
	c, _, err := websocket.DefaultDialer.Dial(wsURL(p.url), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := newReader(c)
	for _, tc := range []struct{ send, want string }{
		{`{"id": 1, "op": "sum", "args": [1, 2, 3.5]}`, `{"id":1,"result":6.5}`},
		{`{"id": 2, "op": "max", "args": [4, -1, 9]}`, `{"id":2,"result":9}`},
		{`{"id": 3, "op": "pow", "args": [2, 8]}`, `{"id":3,"error":"unknown op \"pow\" (want sum, product, min or max)"}`},
		{`{"id": 4, "op": "min"}`, `{"id":4,"error":"min of nothing"}`},
		{`hello`, `{"id":0,"error":"wsjson: decoding main.Request: invalid character 'h' looking for beginning of value"}`},
	} {
		if err := c.WriteMessage(websocket.TextMessage, []byte(tc.send)); err != nil {
			t.Fatal(err)
		}
		if got := r.next(t); got != tc.want {
			t.Errorf("%s\n got %s\nwant %s", tc.send, got, tc.want)
		}
	}
	if err := p.stop(t, syscall.SIGINT); err != nil {
		t.Errorf("exit after SIGINT: %v", err)
	}
	if ce := r.closed(t); ce.Code != websocket.CloseGoingAway {
		t.Errorf("close code %d, want 1001", ce.Code)
	}
}

// The lifecycle example runs every callback: OnConnect chooses the
// subprotocol, sets a cookie or refuses; OnOpen greets; OnMessage echoes and
// closes on request; auto pings reach the client; Ctrl-C closes with 1001
// and OnClose reports each end.
func TestLifecycleExample(t *testing.T) {
	t.Parallel()
	p := startProc(t, buildExample(t, "lifecycle"), "-addr", "127.0.0.1:0", "-ping", "50ms", "-ping-timeout", "2s")
	ws := wsURL(p.url)
	if st := statusJSON(t, p.url); st.Route != "/" {
		t.Errorf("status route %q", st.Route)
	}

	// A client offering v1 and v2 gets v2 and a session cookie.
	d := websocket.Dialer{Subprotocols: []string{"lifecycle.v1", "lifecycle.v2"}, HandshakeTimeout: 5 * time.Second}
	c, resp, err := d.Dial(ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Subprotocol() != "lifecycle.v2" {
		t.Errorf("subprotocol %q, want lifecycle.v2", c.Subprotocol())
	}
	cookie := resp.Header.Get("Set-Cookie")
	if !strings.HasPrefix(cookie, "lifecycle_session=") || !strings.Contains(cookie, "HttpOnly") {
		t.Errorf("Set-Cookie %q", cookie)
	}
	session := strings.TrimPrefix(strings.Split(cookie, ";")[0], "lifecycle_session=")
	r := newReader(c)
	if got := r.next(t); got != "welcome, session "+session {
		t.Errorf("greeting %q", got)
	}
	if err := c.WriteMessage(websocket.TextMessage, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	if got := r.next(t); got != "hello" {
		t.Errorf("echo %q", got)
	}
	for deadline := time.Now().Add(5 * time.Second); r.pings.Load() < 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d auto pings within 5 s", r.pings.Load())
		}
	}

	// A returning client keeps its session and gets no new cookie.
	c2, resp, err := d.Dial(ws, http.Header{"Cookie": {"lifecycle_session=abc123"}})
	if err != nil {
		t.Fatal(err)
	}
	r2 := newReader(c2)
	if got := r2.next(t); got != "welcome, session abc123" || resp.Header.Get("Set-Cookie") != "" {
		t.Errorf("returning client: %q, Set-Cookie %q", got, resp.Header.Get("Set-Cookie"))
	}
	// "close" makes the server close with 1000 "bye".
	if err := c2.WriteMessage(websocket.TextMessage, []byte("close")); err != nil {
		t.Fatal(err)
	}
	if ce := r2.closed(t); ce.Code != websocket.CloseNormalClosure || ce.Text != "bye" {
		t.Errorf("close %d %q, want 1000 bye", ce.Code, ce.Text)
	}

	// A client speaking only other subprotocols is refused with the reason.
	bad := websocket.Dialer{Subprotocols: []string{"chat"}, HandshakeTimeout: 5 * time.Second}
	if _, resp, err := bad.Dial(ws, nil); err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("other subprotocol: %v %v", resp, err)
	}

	// The server's OnClose for the "bye" connection runs after the client has
	// seen the close frame: wait for it, so exactly one connection is open
	// when Ctrl-C arrives.
	p.waitOutput(t, `we sent close=true code=1000 reason="bye"`)
	if err := p.stop(t, syscall.SIGINT); err != nil {
		t.Errorf("exit after Ctrl-C: %v\n%s", err, p.output())
	}
	if ce := r.closed(t); ce.Code != websocket.CloseGoingAway {
		t.Errorf("close code %d, want 1001", ce.Code)
	}
	out := p.output()
	for _, want := range []string{
		`OnConnect path=/ origin="" offered subprotocols=["lifecycle.v1" "lifecycle.v2"]`,
		`OnOpen subprotocol="lifecycle.v2"`,
		`OnMessage text "hello"`,
		`OnClose wasClean=true code=1000 (normal closure) reason=""; we sent close=true code=1000 reason="bye"`,
		`OnClose wasClean=true code=1001 (going away) reason=""; we sent close=true code=1001`,
		"shutting down: 1 open connection(s) get 1001",
		"stopped",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
