package examples

import (
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// wsURL turns an http:// URL into its ws:// twin.
func wsURL(u string) string {
	return strings.Replace(strings.Replace(u, "http://", "ws://", 1), "https://", "wss://", 1)
}

// hostOf is the host:port of an http:// or ws:// URL.
func hostOf(u string) string {
	u = u[strings.Index(u, "://")+3:]
	if i := strings.IndexByte(u, '/'); i >= 0 {
		u = u[:i]
	}
	return u
}

// dialStatus dials url with headers and reports the HTTP status of the
// handshake's answer (101 when it opened), closing the connection.
func dialStatus(t *testing.T, url string, h http.Header) int {
	t.Helper()
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	c, resp, err := d.Dial(url, h)
	if c != nil {
		c.Close()
	}
	if resp == nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	return resp.StatusCode
}

// reader reads a gorilla connection on its own goroutine, as a WebSocket
// client must (pings are answered while reading), and keeps what arrives.
// It closes the connection when reading fails.
type reader struct {
	c     *websocket.Conn
	msgs  chan string
	pings atomic.Int32
	done  chan struct{}
	err   error // the error that ended the read loop, once done is closed
}

func newReader(c *websocket.Conn) *reader {
	r := &reader{c: c, msgs: make(chan string, 64), done: make(chan struct{})}
	c.SetPingHandler(func(data string) error {
		r.pings.Add(1)
		return c.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	go func() {
		defer close(r.done)
		for {
			_, msg, err := c.ReadMessage()
			if err != nil {
				r.err = err
				c.Close() // as a gorilla application does when reading fails
				return
			}
			r.msgs <- string(msg)
		}
	}()
	return r
}

// next returns the next message, failing the test after 5 s.
func (r *reader) next(t *testing.T) string {
	t.Helper()
	select {
	case m := <-r.msgs:
		return m
	case <-r.done:
		t.Fatalf("connection ended before a message: %v", r.err)
	case <-time.After(5 * time.Second):
		t.Fatal("no message within 5 s")
	}
	return ""
}

// closed waits for the read loop to end and returns the close frame the
// server sent.
func (r *reader) closed(t *testing.T) *websocket.CloseError {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		t.Fatal("connection not closed within 10 s")
	}
	var ce *websocket.CloseError
	if !errors.As(r.err, &ce) {
		t.Fatalf("connection ended with %v, not a close frame", r.err)
	}
	return ce
}
