package wscore

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// Every way a server can botch the opening handshake gives a *HandshakeError
// of the right kind, with what the server said.
func TestClientHandshakeFailures(t *testing.T) {
	accept := func(req *http.Request) string {
		return "Sec-WebSocket-Accept: " + AcceptKey(req.Header.Get("Sec-WebSocket-Key"))
	}
	tests := []struct {
		name   string
		offer  []string
		answer func(req *http.Request) string
		kind   error
		status int
		body   string
		detail string
	}{
		{
			name: "403 with a body",
			answer: func(*http.Request) string {
				return "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nX-Why: token\r\nContent-Length: 22\r\n\r\nmissing or bad token\r\n"
			},
			kind: ErrBadStatus, status: 403, body: "missing or bad token\r\n",
		},
		{
			name: "404 chunked",
			answer: func(*http.Request) string {
				return "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nnope!\r\n0\r\n\r\n"
			},
			kind: ErrBadStatus, status: 404, body: "nope!",
		},
		{
			name: "200 from a plain HTTP server",
			answer: func(*http.Request) string {
				return "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
			},
			kind: ErrBadStatus, status: 200, body: "hello",
		},
		{
			name: "426 with the versions",
			answer: func(*http.Request) string {
				return "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13, 8\r\nContent-Length: 0\r\n\r\n"
			},
			kind: ErrBadStatus, status: 426,
		},
		{
			name: "wrong accept key",
			answer: func(req *http.Request) string {
				return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + AcceptKey("dGhlIHNhbXBsZSBub25jZQ==") + "\r\n\r\n"
			},
			kind: ErrBadAccept, status: 101, detail: "got",
		},
		{
			name: "missing accept key",
			answer: func(req *http.Request) string {
				return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
			},
			kind: ErrBadAccept, status: 101, detail: "missing",
		},
		{
			name: "accept key twice",
			answer: func(req *http.Request) string {
				return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + accept(req) + "\r\n" + accept(req) + "\r\n\r\n"
			},
			kind: ErrBadAccept, status: 101, detail: "2 times",
		},
		{
			name: "missing Upgrade",
			answer: func(req *http.Request) string {
				return "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n" + accept(req) + "\r\n\r\n"
			},
			kind: ErrBadUpgrade, status: 101, detail: "Upgrade",
		},
		{
			name: "Upgrade to something else",
			answer: func(req *http.Request) string {
				return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n" + accept(req) + "\r\n\r\n"
			},
			kind: ErrBadUpgrade, status: 101, detail: "h2c",
		},
		{
			name: "missing Connection",
			answer: func(req *http.Request) string {
				return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n" + accept(req) + "\r\n\r\n"
			},
			kind: ErrBadUpgrade, status: 101, detail: "Connection",
		},
		{
			name:  "unoffered subprotocol",
			offer: []string{"chat"},
			answer: func(req *http.Request) string {
				return response101(req, "Sec-WebSocket-Protocol: superchat")
			},
			kind: ErrBadSubprotocol, status: 101, detail: `"superchat", offered: chat`,
		},
		{
			name: "subprotocol when none was offered",
			answer: func(req *http.Request) string {
				return response101(req, "Sec-WebSocket-Protocol: chat")
			},
			kind: ErrBadSubprotocol, status: 101, detail: "none was offered",
		},
		{
			name:  "two subprotocols",
			offer: []string{"a", "b"},
			answer: func(req *http.Request) string {
				return response101(req, "Sec-WebSocket-Protocol: a, b")
			},
			kind: ErrBadSubprotocol, status: 101, detail: "2 subprotocols",
		},
		{
			name: "unoffered extension",
			answer: func(req *http.Request) string {
				return response101(req, "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover")
			},
			kind: ErrBadExtension, status: 101, detail: "permessage-deflate",
		},
		{
			name: "malformed extension",
			answer: func(req *http.Request) string {
				return response101(req, "Sec-WebSocket-Extensions: ;;=")
			},
			kind: ErrBadExtension, status: 101, detail: "malformed",
		},
		{
			name: "101 over HTTP/1.0",
			answer: func(req *http.Request) string {
				return strings.Replace(response101(req), "HTTP/1.1", "HTTP/1.0", 1)
			},
			kind: ErrBadResponse, status: 101, detail: "HTTP/1.0",
		},
		{
			name: "not HTTP",
			answer: func(*http.Request) string {
				return "SSH-2.0-OpenSSH_9.2\r\n\r\n"
			},
			kind: ErrBadResponse,
		},
		{
			name: "endless header",
			answer: func(*http.Request) string {
				return "HTTP/1.1 101 Switching Protocols\r\nX-Junk: " + strings.Repeat("x", 100<<10) + "\r\n\r\n"
			},
			kind: ErrBadResponse, detail: "exceeds",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := startRawServer(t, func(conn net.Conn, br *bufio.Reader, req *http.Request) {
				io.WriteString(conn, tt.answer(req))
				if cw, ok := conn.(*net.TCPConn); ok {
					cw.CloseWrite()
				}
				io.Copy(io.Discard, br) // until the client hangs up
			})
			p := newRecClient()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, err := Dial(ctx, rs.URL, p.factory, &ClientOptions{Subprotocols: tt.offer})
			if err == nil {
				c.Close()
				t.Fatal("Dial succeeded")
			}
			var he *HandshakeError
			if !errors.As(err, &he) || !errors.Is(err, tt.kind) {
				t.Fatalf("error %v (%T) is not a *HandshakeError of kind %v", err, err, tt.kind)
			}
			if he.Status != tt.status {
				t.Errorf("Status %d, want %d", he.Status, tt.status)
			}
			if string(he.Body) != tt.body {
				t.Errorf("Body %q, want %q", he.Body, tt.body)
			}
			if !strings.Contains(he.Detail, tt.detail) {
				t.Errorf("Detail %q does not contain %q", he.Detail, tt.detail)
			}
			if tt.status != 0 && he.Header == nil {
				t.Error("no headers in the error")
			}
			if tt.body != "" && !strings.Contains(err.Error(), strings.TrimSpace(tt.body)) {
				t.Errorf("message %q does not show the body", err)
			}
			t.Log(err)
			select {
			case <-p.resp:
				t.Fatal("OnConnect was called for a failed handshake")
			default:
			}
		})
	}
}

func TestClientHandshakeErrorHeader(t *testing.T) {
	rs := startRawServer(t, func(conn net.Conn, br *bufio.Reader, req *http.Request) {
		io.WriteString(conn, "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"chat\"\r\nContent-Length: 0\r\n\r\n")
	})
	_, err := Dial(context.Background(), rs.URL, newRecClient().factory, nil)
	var he *HandshakeError
	if !errors.As(err, &he) || he.Status != 401 || he.Header.Get("WWW-Authenticate") != `Bearer realm="chat"` {
		t.Fatalf("%v: %+v", err, he)
	}
	if !strings.Contains(err.Error(), "401 Unauthorized") {
		t.Fatalf("message %q lacks the status", err)
	}
}

func TestClientHandshakeEOF(t *testing.T) {
	rs := startRawServer(t, func(conn net.Conn, br *bufio.Reader, req *http.Request) {
		io.WriteString(conn, "HTTP/1.1 101 Switching")
	})
	_, err := Dial(context.Background(), rs.URL, newRecClient().factory, nil)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("got %v, want io.ErrUnexpectedEOF", err)
	}
}

func TestClientConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = Dial(context.Background(), "ws://"+addr+"/", newRecClient().factory, nil)
	var oe *net.OpError
	if !errors.As(err, &oe) || !strings.Contains(err.Error(), addr) {
		t.Fatalf("got %v, want a *net.OpError naming the address", err)
	}
}

// A server that accepts TCP but never answers: OpenHandshakeTimeout and the
// context both bound the wait.
func TestClientHandshakeTimeouts(t *testing.T) {
	rs := startRawServer(t, func(conn net.Conn, br *bufio.Reader, req *http.Request) {
		io.Copy(io.Discard, br)
	})
	start := time.Now()
	_, err := Dial(context.Background(), rs.URL, newRecClient().factory, &ClientOptions{OpenHandshakeTimeout: 200 * time.Millisecond})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "OpenHandshakeTimeout") {
		t.Fatalf("got %v, want the open handshake timeout", err)
	}
	if d := time.Since(start); d < 200*time.Millisecond || d > 2*time.Second {
		t.Fatalf("timed out after %v", d)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	_, err = Dial(ctx, rs.URL, newRecClient().factory, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the context's deadline", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start = time.Now()
	_, err = Dial(ctx, rs.URL, newRecClient().factory, &ClientOptions{OpenHandshakeTimeout: Unlimited})
	if !errors.Is(err, context.Canceled) || time.Since(start) > 2*time.Second {
		t.Fatalf("got %v after %v, want context.Canceled at once", err, time.Since(start))
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("cancellation reported as a deadline: %v", err)
	}
}

// A server that answers the head slowly, byte by byte, is still bounded.
func TestClientHandshakeSlowloris(t *testing.T) {
	rs := startRawServer(t, func(conn net.Conn, br *bufio.Reader, req *http.Request) {
		for i := 0; i < 100; i++ {
			if _, err := io.WriteString(conn, "X"); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	start := time.Now()
	_, err := Dial(context.Background(), rs.URL, newRecClient().factory, &ClientOptions{OpenHandshakeTimeout: 300 * time.Millisecond})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Fatalf("got %v after %v", err, time.Since(start))
	}
}
