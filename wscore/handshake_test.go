package wscore

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
)

// refusingProtocol runs a custom OnConnect.
type refusingProtocol struct {
	BaseServerProtocol
	connect func(*ConnectionRequest) (Accept, error)
}

func (p *refusingProtocol) OnConnect(r *ConnectionRequest) (Accept, error) { return p.connect(r) }

func TestOpeningHandshake(t *testing.T) {
	t.Parallel()
	key := wstest.NewKey()
	std := func(extra string) string {
		return "GET / HTTP/1.1\r\nHost: HOST\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n" + extra + "\r\n"
	}
	tests := []struct {
		name    string
		opts    Options
		connect func(*ConnectionRequest) (Accept, error)
		req     string
		status  int
		reason  string            // substring of the body
		header  map[string]string // expected response headers
	}{
		{name: "ok", req: std(""), status: 101, header: map[string]string{"Sec-Websocket-Accept": AcceptKey(key), "Upgrade": "websocket", "Server": "wsplug"}},
		{name: "tokens in lists, any case", req: "GET / HTTP/1.1\r\nHost: HOST\r\nUpgrade: h2c, WebSocket\r\nConnection: keep-alive, UPGRADE\r\nSec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n", status: 101},
		{name: "method", req: strings.Replace(std(""), "GET", "POST", 1), status: 400, reason: "method must be GET"},
		{name: "http 1.0", req: strings.Replace(std(""), "HTTP/1.1", "HTTP/1.0", 1), status: 400, reason: "HTTP/1.1"},
		{name: "no upgrade token", req: strings.Replace(std(""), "Upgrade: websocket", "Upgrade: h2c", 1), status: 400, reason: "Upgrade: websocket"},
		{name: "no connection token", req: strings.Replace(std(""), "Connection: Upgrade", "Connection: keep-alive", 1), status: 400, reason: "Connection: Upgrade"},
		{name: "no key", req: strings.Replace(std(""), "Sec-WebSocket-Key: "+key+"\r\n", "", 1), status: 400, reason: "Sec-WebSocket-Key"},
		{name: "short key", req: strings.Replace(std(""), key, "dGhlIHNhbXBsZQ==", 1), status: 400, reason: "Sec-WebSocket-Key"},
		{name: "key not base64", req: strings.Replace(std(""), key, "!!!!!!!!!!!!!!!!!!!!!!==", 1), status: 400, reason: "Sec-WebSocket-Key"},
		{name: "two keys", req: std("Sec-WebSocket-Key: " + wstest.NewKey() + "\r\n"), status: 400, reason: "Sec-WebSocket-Key"},
		{name: "version 12", req: strings.Replace(std(""), "Version: 13", "Version: 12", 1), status: 426, header: map[string]string{"Sec-Websocket-Version": "13, 8"}},
		{name: "no version", req: strings.Replace(std(""), "Sec-WebSocket-Version: 13\r\n", "", 1), status: 426, header: map[string]string{"Sec-Websocket-Version": "13, 8"}},
		{name: "version list", req: strings.Replace(std(""), "Version: 13", "Version: 13, 8", 1), status: 426},
		{name: "version 8", req: strings.Replace(std(""), "Version: 13", "Version: 8", 1), status: 101},
		{name: "version 8 refused when only 13", opts: Options{Versions: []int{13}}, req: strings.Replace(std(""), "Version: 13", "Version: 8", 1), status: 426, header: map[string]string{"Sec-Websocket-Version": "13"}},
		{name: "cross origin", req: std("Origin: https://evil.example\r\n"), status: 403, reason: "cross-origin"},
		{name: "same origin", req: std("Origin: http://HOST\r\n"), status: 101},
		{name: "null origin", req: std("Origin: null\r\n"), status: 403},
		{name: "null origin allowed", opts: Options{AllowedOrigins: []string{"null"}}, req: std("Origin: null\r\n"), status: 101},
		{name: "bad origin", req: std("Origin: ::not a url\r\n"), status: 403, reason: "invalid Origin"},
		{name: "wildcard origin", opts: Options{AllowedOrigins: []string{"https://*.example.com:*"}}, req: std("Origin: https://app.example.com:8443\r\n"), status: 101},
		{name: "wildcard origin default port", opts: Options{AllowedOrigins: []string{"https://*.example.com:*"}}, req: std("Origin: https://app.example.com\r\n"), status: 101},
		{name: "wildcard origin miss", opts: Options{AllowedOrigins: []string{"https://*.example.com:*"}}, req: std("Origin: https://example.org\r\n"), status: 403},
		{name: "any origin", opts: Options{AllowedOrigins: []string{"*"}}, req: std("Origin: https://evil.example\r\n"), status: 101},
		{name: "hybi-08 origin header", req: strings.Replace(std("Sec-WebSocket-Origin: https://evil.example\r\n"), "Version: 13", "Version: 8", 1), status: 403},
		{name: "bad subprotocol token", req: std("Sec-WebSocket-Protocol: a b\r\n"), status: 400, reason: "Sec-WebSocket-Protocol"},
		{name: "bad extensions", req: std("Sec-WebSocket-Extensions: x; =\r\n"), status: 400, reason: "Sec-WebSocket-Extensions"},
		{name: "subprotocol by preference", opts: Options{Subprotocols: []string{"v2", "v1"}}, req: std("Sec-WebSocket-Protocol: v1, v2\r\n"), status: 101, header: map[string]string{"Sec-Websocket-Protocol": "v2"}},
		{name: "no common subprotocol", opts: Options{Subprotocols: []string{"v3"}}, req: std("Sec-WebSocket-Protocol: v1\r\n"), status: 101, header: map[string]string{"Sec-Websocket-Protocol": ""}},
		{name: "OnConnect picks", req: std("Sec-WebSocket-Protocol: v1, v2\r\n"), connect: func(r *ConnectionRequest) (Accept, error) {
			return Accept{Subprotocol: r.Protocols[1], Header: http.Header{"Set-Cookie": {"session=1; HttpOnly"}}}, nil
		}, status: 101, header: map[string]string{"Sec-Websocket-Protocol": "v2", "Set-Cookie": "session=1; HttpOnly"}},
		{name: "OnConnect picks unoffered", req: std("Sec-WebSocket-Protocol: v1\r\n"), connect: func(*ConnectionRequest) (Accept, error) {
			return Accept{Subprotocol: "v9"}, nil
		}, status: 500},
		{name: "OnConnect refuses", req: std(""), connect: func(*ConnectionRequest) (Accept, error) {
			return Accept{}, &HTTPError{Status: 401, Reason: "token required"}
		}, status: 401, reason: "token required"},
		{name: "OnConnect fails", req: std(""), connect: func(*ConnectionRequest) (Accept, error) {
			return Accept{}, errors.New("database down")
		}, status: 500, reason: "internal server error"},
		{name: "OnConnect panics", req: std(""), connect: func(*ConnectionRequest) (Accept, error) {
			panic("boom")
		}, status: 500},
		{name: "header injection", req: std(""), connect: func(*ConnectionRequest) (Accept, error) {
			return Accept{Header: http.Header{"X-A": {"1\r\nX-Injected: 1"}}}, nil
		}, status: 500},
		{name: "reserved header", req: std(""), connect: func(*ConnectionRequest) (Accept, error) {
			return Accept{Header: http.Header{"Sec-Websocket-Accept": {"x"}}}, nil
		}, status: 500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			connect := tc.connect
			if connect == nil {
				connect = func(*ConnectionRequest) (Accept, error) { return Accept{}, nil }
			}
			s, err := NewServer(func() ServerProtocol { return &refusingProtocol{connect: connect} }, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			ts := serve(t, s, nil)
			// The Host is the listener's address, so same-origin requests work.
			raw, resp, err := wstest.Dial(ts.Addr, wstest.Handshake{Raw: strings.ReplaceAll(tc.req, "HOST", "ADDR")})
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			if resp.StatusCode != tc.status {
				body, _ := io.ReadAll(resp.Body)
				t.Fatalf("status %d (%s), want %d", resp.StatusCode, body, tc.status)
			}
			if tc.reason != "" {
				body, _ := io.ReadAll(resp.Body)
				if !strings.Contains(string(body), tc.reason) {
					t.Errorf("body %q does not contain %q", body, tc.reason)
				}
			}
			for k, v := range tc.header {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if tc.status == 101 {
				raw.WriteFrame(wstest.CloseFrame(1000, ""))
				raw.WaitClosed(2 * time.Second)
			}
		})
	}
}

func TestHandshakeRefusalsAreCounted(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Options{MaxConnections: 1})
	c1, resp, err := wstest.Dial(ts.Addr, wstest.Handshake{})
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("first connection: %v %v", resp, err)
	}
	defer c1.Close()
	_, resp, err = wstest.Dial(ts.Addr, wstest.Handshake{})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 503 {
		t.Fatalf("second connection: status %d, want 503", resp.StatusCode)
	}
	_, resp, _ = wstest.Dial(ts.Addr, wstest.Handshake{Header: http.Header{"Sec-WebSocket-Version": {"7"}}})
	if resp.StatusCode != 426 {
		t.Fatalf("version 7: status %d", resp.StatusCode)
	}
	st := ts.Stats()
	if st.Open != 1 || st.Accepted != 1 || st.Refused[RefusedCapacity] != 1 || st.Refused[RefusedVersion] != 1 {
		t.Errorf("stats %+v", st)
	}
	// The slot comes back when the connection ends.
	c1.WriteFrame(wstest.CloseFrame(1000, ""))
	c1.WaitClosed(2 * time.Second)
	ts.nextClose(t)
	c3, resp, err := wstest.Dial(ts.Addr, wstest.Handshake{})
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("after the first closed: %v %v", resp, err)
	}
	c3.Close()
}

// Frames sent in the same packet as the handshake sit in net/http's buffer
// after Hijack; they must not be lost.
func TestFramesPipelinedWithHandshake(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Options{})
	conn, err := net.Dial("tcp", ts.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := &wstest.RawClient{Conn: conn, BR: bufio.NewReader(conn)}
	key := wstest.NewKey()
	req := "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
	frames := append(c.EncodeFrame(wstest.Text("first")), c.EncodeFrame(wstest.Text("second"))...)
	if _, err := conn.Write(append([]byte(req), frames...)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(c.BR, nil)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("handshake: %v %v", resp, err)
	}
	for _, want := range []string{"first", "second"} {
		_, got, _, err := c.ReadMessage(2 * time.Second)
		if err != nil || string(got) != want {
			t.Fatalf("got %q %v, want %q", got, err, want)
		}
	}
}

// net/http's read and write timeouts stay on a hijacked connection unless the
// engine clears them.
func TestHijackClearsDeadlines(t *testing.T) {
	t.Parallel()
	s, err := NewServer(func() ServerProtocol { return &echoProtocol{} }, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := serveWith(t, s, nil, func(hs *http.Server) {
		hs.ReadTimeout = 100 * time.Millisecond
		hs.WriteTimeout = 100 * time.Millisecond
	})
	c, resp, err := wstest.Dial(ts.Addr, wstest.Handshake{})
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("%v %v", resp, err)
	}
	defer c.Close()
	time.Sleep(300 * time.Millisecond)
	c.WriteFrame(wstest.Text("still there"))
	_, got, _, err := c.ReadMessage(2 * time.Second)
	if err != nil || string(got) != "still there" {
		t.Fatalf("after the HTTP timeouts: %q %v", got, err)
	}
}

// ServeConn serves a connection taken over before the handshake was judged.
func TestServeConn(t *testing.T) {
	t.Parallel()
	s, err := NewServer(func() ServerProtocol { return &echoProtocol{} }, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan error, 2)
	go func() {
		for i := 0; i < 2; i++ {
			conn, err := ln.Accept()
			if err != nil {
				done <- err
				return
			}
			br := bufio.NewReader(conn)
			r, err := http.ReadRequest(br)
			if err != nil {
				done <- err
				return
			}
			hr := RequestFromHTTP(r)
			hr.RemoteAddr = conn.RemoteAddr().String()
			done <- s.ServeConn(conn, br, hr)
		}
	}()
	// A refused request gets a complete HTTP response on the raw connection.
	c, resp, err := wstest.Dial(ln.Addr().String(), wstest.Handshake{Header: http.Header{"Sec-WebSocket-Version": {"99"}}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 426 || resp.Header.Get("Sec-WebSocket-Version") != "13, 8" {
		t.Fatalf("refusal: %d %v", resp.StatusCode, resp.Header)
	}
	c.Close()
	var herr *HTTPError
	if err := <-done; !errors.As(err, &herr) || herr.Status != 426 {
		t.Fatalf("ServeConn returned %v", err)
	}
	// An accepted one is served until it ends.
	c, resp, err = wstest.Dial(ln.Addr().String(), wstest.Handshake{})
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("%v %v", resp, err)
	}
	c.WriteFrame(wstest.Text("via ServeConn"))
	if _, got, _, err := c.ReadMessage(2 * time.Second); err != nil || string(got) != "via ServeConn" {
		t.Fatalf("%q %v", got, err)
	}
	c.WriteFrame(wstest.CloseFrame(1000, ""))
	c.WaitClosed(2 * time.Second)
	c.Close()
	if err := <-done; err != nil {
		t.Fatalf("ServeConn: %v", err)
	}
}
