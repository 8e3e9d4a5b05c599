package wscore

import (
	"bufio"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
)

// wrappedTCP is a socket behind a wrapper, as a listener wrapper hands it
// over (wshttp's Flash policy listener): not a *net.TCPConn, but it passes
// SetNoDelay on.
type wrappedTCP struct {
	net.Conn
	tcp *net.TCPConn
}

func (w *wrappedTCP) SetNoDelay(noDelay bool) error { return w.tcp.SetNoDelay(noDelay) }
func (w *wrappedTCP) CloseWrite() error             { return w.tcp.CloseWrite() }

// DisableTCPNoDelay reaches the socket through a wrapper that offers
// SetNoDelay; the default leaves Go's TCP_NODELAY on.
func TestNoDelayThroughWrapper(t *testing.T) {
	t.Parallel()
	for _, disable := range []bool{false, true} {
		s := MustNewServer(func() ServerProtocol { return &echoProtocol{} }, Options{DisableTCPNoDelay: disable})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		sockets := make(chan *net.TCPConn, 1)
		done := make(chan error, 1)
		go func() {
			conn, err := ln.Accept()
			ln.Close()
			if err != nil {
				done <- err
				return
			}
			tcp := conn.(*net.TCPConn)
			sockets <- tcp
			w := &wrappedTCP{Conn: conn, tcp: tcp}
			br := bufio.NewReader(w)
			r, err := http.ReadRequest(br)
			if err != nil {
				conn.Close()
				done <- err
				return
			}
			hr := RequestFromHTTP(r)
			hr.RemoteAddr = conn.RemoteAddr().String()
			done <- s.ServeConn(w, br, hr)
		}()

		c, resp, err := wstest.Dial(ln.Addr().String(), wstest.Handshake{})
		if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("handshake: %v %v", resp, err)
		}
		// The echo comes from the running connection: the option was applied.
		c.WriteFrame(wstest.Text("hi"))
		if _, got, _, err := c.ReadMessage(5 * time.Second); err != nil || string(got) != "hi" {
			t.Fatalf("echo: %q %v", got, err)
		}
		if on := tcpNoDelay(t, <-sockets); on == disable {
			t.Errorf("DisableTCPNoDelay=%v behind a wrapper: TCP_NODELAY=%v", disable, on)
		}
		c.WriteFrame(wstest.CloseFrame(CloseNormal, ""))
		c.WaitClosed(2 * time.Second)
		c.Close()
		if err := <-done; err != nil {
			t.Errorf("ServeConn: %v", err)
		}
	}
}
