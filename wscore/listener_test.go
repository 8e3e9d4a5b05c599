package wscore

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
)

// serveListener serves an echo protocol with opts through Serve on a
// loopback listener; see serveListenerWith.
func serveListener(t *testing.T, opts Options) (*Server, string) {
	t.Helper()
	s, err := NewServer(func() ServerProtocol { return &echoProtocol{} }, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s, serveListenerWith(t, s)
}

// serveListenerWith runs s.Serve (no net/http: the engine reads the request
// head and owns every goroutine) on a loopback listener and returns its
// address. When the test ends the listener is closed, Serve must return nil
// and Shutdown must succeed.
func serveListenerWith(t *testing.T, s *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	t.Cleanup(func() {
		ln.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		ctx, cancel := contextWithTimeout(5 * time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return ln.Addr().String()
}

// rawExchange sends req on a fresh connection and returns everything the
// server answers before it closes.
func rawExchange(t *testing.T, addr, req string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(conn, req)
	out, _ := io.ReadAll(conn)
	return string(out)
}

func TestServeListener(t *testing.T) {
	t.Parallel()
	_, addr := serveListener(t, Options{})
	c, resp, err := wstest.Dial(addr, wstest.Handshake{})
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("%v %v", resp, err)
	}
	defer c.Close()
	c.WriteFrame(wstest.Text("raw listener"))
	if _, got, _, err := c.ReadMessage(2 * time.Second); err != nil || string(got) != "raw listener" {
		t.Fatalf("%q %v", got, err)
	}
	// A plain GET gets 426; a malformed request 400; a huge head 431.
	for _, tc := range []struct {
		req    string
		status string
	}{
		{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "426"},
		{"NONSENSE\r\n\r\n", "400"},
		{"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 20000) + "\r\n\r\n", "431"},
	} {
		out := rawExchange(t, addr, tc.req)
		if !strings.HasPrefix(out, "HTTP/1.1 "+tc.status) {
			t.Errorf("%.30q: got %.60q, want %s", tc.req, out, tc.status)
		}
	}
}

// A client that sends its handshake one byte at a time is cut at
// OpenHandshakeTimeout.
func TestOpenHandshakeTimeoutCutsSlowClient(t *testing.T) {
	t.Parallel()
	s, addr := serveListener(t, Options{OpenHandshakeTimeout: 300 * time.Millisecond})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + wstest.NewKey() + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
	start := time.Now()
	cut := false
	for i := 0; i < len(req); i++ {
		if _, err := conn.Write([]byte{req[i]}); err != nil {
			cut = true
			break
		}
		time.Sleep(50 * time.Millisecond)
		if time.Since(start) > 3*time.Second {
			break
		}
	}
	if !cut {
		conn.SetReadDeadline(time.Now().Add(time.Second))
		_, err := conn.Read(make([]byte, 1))
		cut = err != nil && !isTimeout(err)
	}
	if !cut {
		t.Fatal("the slow client was not cut off")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("cut after %v, want about 300ms", d)
	}
	if st := s.Stats(); st.Accepted != 0 {
		t.Errorf("the slow client was accepted: %+v", st)
	}
}
