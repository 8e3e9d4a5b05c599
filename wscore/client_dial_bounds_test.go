package wscore

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
)

// holdUntil keeps a raw server's connection open until the test ends (or 8 s,
// so a client that waits for the server forever fails instead of hanging).
func holdUntil(release <-chan struct{}) {
	select {
	case <-release:
	case <-time.After(8 * time.Second):
	}
}

// A refused response is followed by the closing handshake; with
// ServerConnectionDropTimeout -1 (and CloseHandshakeTimeout -1) against a
// server that never closes TCP, only Dial's context or OpenHandshakeTimeout
// ends it, and Dial must not outlast them.
func TestClientRefusalBoundedByContext(t *testing.T) {
	for _, answers := range []bool{true, false} {
		name := "server answers the close frame"
		if !answers {
			name = "server never answers"
		}
		t.Run(name, func(t *testing.T) {
			release := make(chan struct{}) // keeps the server's TCP connections open
			rs := startRawServer(t, func(conn net.Conn, br *bufio.Reader, req *http.Request) {
				conn.Write([]byte(response101(req)))
				fc := frameConn(conn, br)
				if f, err := fc.ReadFrame(5 * time.Second); answers && err == nil && f.Op == wstest.OpClose {
					fc.WriteFrame(wstest.CloseFrame(CloseNormal, ""))
				}
				holdUntil(release) // TCP stays open
			})
			t.Cleanup(func() { close(release) }) // before the raw server's cleanup, which waits for its handlers
			refuse := func() ClientProtocol {
				p := newRecClient()
				p.connect = func(*ConnectionResponse) error { return errors.New("not this server") }
				return p
			}
			forever := &ClientOptions{ServerConnectionDropTimeout: Unlimited, CloseHandshakeTimeout: Unlimited, OpenHandshakeTimeout: Unlimited}

			// Bounded by the context.
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := Dial(ctx, rs.URL, refuse, forever)
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("Dial returned after %v, its context ended after 300ms", d)
			}
			if !errors.Is(err, ErrRefused) {
				t.Fatalf("got %v, want ErrRefused", err)
			}

			// Bounded by OpenHandshakeTimeout when the context has no deadline.
			o := *forever
			o.OpenHandshakeTimeout = 300 * time.Millisecond
			start = time.Now()
			_, err = Dial(context.Background(), rs.URL, refuse, &o)
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("Dial returned after %v, OpenHandshakeTimeout is 300ms", d)
			}
			if !errors.Is(err, ErrRefused) {
				t.Fatalf("got %v, want ErrRefused", err)
			}
		})
	}
}

// A 403 whose body never ends (no Content-Length, the connection kept open)
// is reported as the 403 with its body prefix, quickly, not as the handshake
// timeout.
func TestClientRefusedBodyNeverEnds(t *testing.T) {
	release := make(chan struct{}) // keeps the server's TCP connections open
	rs := startRawServer(t, func(conn net.Conn, br *bufio.Reader, req *http.Request) {
		io.WriteString(conn, "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n\r\nno entry: token expired")
		holdUntil(release)
	})
	t.Cleanup(func() { close(release) }) // before the raw server's cleanup, which waits for its handlers
	check := func(t *testing.T, err error, d time.Duration) {
		t.Helper()
		var he *HandshakeError
		if !errors.As(err, &he) || !errors.Is(err, ErrBadStatus) || he.Status != http.StatusForbidden {
			t.Fatalf("got %v, want a *HandshakeError with status 403", err)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("the 403 is reported as a timeout: %v", err)
		}
		if string(he.Body) != "no entry: token expired" {
			t.Fatalf("body prefix %q", he.Body)
		}
		if d > 3*time.Second {
			t.Fatalf("Dial took %v", d)
		}
	}

	start := time.Now()
	_, err := Dial(context.Background(), rs.URL, newRecClient().factory, &ClientOptions{OpenHandshakeTimeout: 10 * time.Second})
	check(t, err, time.Since(start))

	// The handshake's deadline falls while the body is read: still the 403.
	start = time.Now()
	_, err = Dial(context.Background(), rs.URL, newRecClient().factory, &ClientOptions{OpenHandshakeTimeout: 150 * time.Millisecond})
	check(t, err, time.Since(start))
}

// The same through a CONNECT proxy that refuses with a 407 whose body never
// ends.
func TestClientProxyRefusalBodyNeverEnds(t *testing.T) {
	release := make(chan struct{}) // keeps the server's TCP connections open
	rs := startRawServer(t, func(conn net.Conn, br *bufio.Reader, req *http.Request) {
		io.WriteString(conn, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"x\"\r\n\r\nlog in first")
		holdUntil(release)
	})
	t.Cleanup(func() { close(release) }) // before the raw server's cleanup, which waits for its handlers
	pu, _ := url.Parse("http://" + rs.Addr)
	start := time.Now()
	_, err := Dial(context.Background(), "ws://127.0.0.1:9/", newRecClient().factory, &ClientOptions{Proxy: fixedProxy(pu), OpenHandshakeTimeout: 10 * time.Second})
	var he *HandshakeError
	if !errors.As(err, &he) || !errors.Is(err, ErrProxy) || he.Status != http.StatusProxyAuthRequired || string(he.Body) != "log in first" {
		t.Fatalf("got %v (%+v), want the proxy's 407 with its body", err, he)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Dial took %v", d)
	}
}

// A body with a Content-Length is read as far as it says (the connection
// stays open after it), and a long body is cut at 1 KiB; the message shows
// 200 bytes of it.
func TestClientRefusedBodyPrefix(t *testing.T) {
	release := make(chan struct{}) // keeps the server's TCP connections open
	rs := startRawServer(t, func(conn net.Conn, br *bufio.Reader, req *http.Request) {
		if req.URL.Path == "/long" {
			io.WriteString(conn, "HTTP/1.1 404 Not Found\r\nContent-Length: 5000\r\n\r\n"+strings.Repeat("x", 5000))
		} else {
			io.WriteString(conn, "HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\n\r\nhello")
		}
		holdUntil(release)
	})
	t.Cleanup(func() { close(release) }) // before the raw server's cleanup, which waits for its handlers
	var he *HandshakeError
	_, err := Dial(context.Background(), rs.URL, newRecClient().factory, nil)
	if !errors.As(err, &he) || he.Status != 403 || string(he.Body) != "hello" {
		t.Fatalf("got %v (%+v)", err, he)
	}
	_, err = Dial(context.Background(), rs.URL+"long", newRecClient().factory, nil)
	if !errors.As(err, &he) || he.Status != 404 {
		t.Fatalf("got %v", err)
	}
	if len(he.Body) != maxBodyPrefix || maxBodyPrefix != 1024 || strings.Trim(string(he.Body), "x") != "" {
		t.Fatalf("body prefix of %d bytes, want 1024", len(he.Body))
	}
	if msg := err.Error(); !strings.Contains(msg, `"`+strings.Repeat("x", 200)+`"...`) || strings.Contains(msg, strings.Repeat("x", 201)) {
		t.Fatalf("message shows the body wrongly: %q", msg)
	}
}
