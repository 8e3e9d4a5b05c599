package wshttp

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsplug/wsplug/wscore"
)

type echoProtocol struct{ wscore.BaseServerProtocol }

func (echoProtocol) OnMessage(c *wscore.Conn, p []byte, bin bool) { c.SendMessage(p, bin) }

// TestListenAndServe runs what ListenAndServe runs, on 127.0.0.1:0: every
// path is the WebSocket route (echo) and its status page, and the Flash
// policy is answered on the same port when asked for. Closing the listener
// ends it.
func TestListenAndServe(t *testing.T) {
	type serving struct {
		ln net.Listener
		rt *Route
	}
	started := make(chan serving, 1)
	done := make(chan error, 1)
	go func() {
		done <- listenAndServe("127.0.0.1:0", func() wscore.ServerProtocol { return echoProtocol{} },
			wscore.Options{ServeFlashSocketPolicy: true},
			func(ln net.Listener, rt *Route) { started <- serving{ln, rt} })
	}()
	var s serving
	select {
	case s = <-started:
	case err := <-done:
		t.Fatalf("ListenAndServe: %v", err)
	}
	addr := s.ln.Addr().String()
	if strings.HasSuffix(addr, ":0") {
		t.Fatalf("listening on %s", addr)
	}

	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for _, path := range []string{"/", "/any/path"} {
		resp, err := client.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), `id="console-input"`) {
			t.Errorf("GET %s: %d, want the status page", path, resp.StatusCode)
		}
	}
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/echo", nil)
	if err != nil {
		t.Fatal(err)
	}
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	ws.WriteMessage(websocket.TextMessage, []byte("served"))
	if _, p, err := ws.ReadMessage(); err != nil || string(p) != "served" {
		t.Errorf("echo: %q %v", p, err)
	}
	ws.Close()

	fc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	fc.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(fc, flashPolicyRequest)
	policy, _ := io.ReadAll(fc)
	fc.Close()
	if !strings.Contains(string(policy), "<cross-domain-policy>") {
		t.Errorf("Flash policy: %q", policy)
	}

	s.ln.Close()
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Errorf("after the listener closed: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.rt.Server().Shutdown(ctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

// ListenAndServe returns at once when it cannot serve: a bad option (before
// the port is opened) or a port in use.
func TestListenAndServeFails(t *testing.T) {
	factory := func() wscore.ServerProtocol { return echoProtocol{} }
	var oe *wscore.OptionError
	if err := ListenAndServe("127.0.0.1:0", factory, wscore.Options{AutoPingSize: 200}); !errors.As(err, &oe) {
		t.Errorf("bad option: %v, want an *OptionError", err)
	}
	if err := ListenAndServe("127.0.0.1:0", nil, wscore.Options{}); !errors.Is(err, wscore.ErrNoFactory) {
		t.Errorf("nil factory: %v, want ErrNoFactory", err)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	var opErr *net.OpError
	if err := ListenAndServe(busy.Addr().String(), factory, wscore.Options{}); !errors.As(err, &opErr) {
		t.Errorf("port in use: %v, want the listen error", err)
	}
}
