package wscore

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
)

// A request without Host is refused with 400 "missing Host" (RFC 6455
// 4.2.1 item 2), through Serve (the engine reads the head itself) and
// through ServeConn (an adapter's request with an empty Host), before
// OnConnect runs.
func TestMissingHost(t *testing.T) {
	t.Parallel()
	var connects atomic.Int64
	factory := func() ServerProtocol { return &orderProtocol{calls: &connects} }
	head := "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + wstest.NewKey() + "\r\nSec-WebSocket-Version: 13\r\n\r\n"

	t.Run("Serve", func(t *testing.T) {
		s, err := NewServer(factory, Options{})
		if err != nil {
			t.Fatal(err)
		}
		addr := serveListenerWith(t, s)
		for _, req := range []string{
			"GET / HTTP/1.1\r\n" + head,             // no Host line
			"GET / HTTP/1.1\r\nHost: \r\n" + head,   // an empty one
			"GET / HTTP/1.1\r\nHost:\t \r\n" + head, // only blanks
		} {
			resp := rawExchange(t, addr, req)
			if !strings.HasPrefix(resp, "HTTP/1.1 400 ") || !strings.Contains(resp, "missing Host") {
				t.Errorf("%q: got %q, want 400 naming the missing Host", req[:24], resp)
			}
		}
		if r := s.Stats().Refused[RefusedBadRequest]; r != 3 {
			t.Errorf("refused bad_request = %d, want 3", r)
		}
	})

	t.Run("ServeConn", func(t *testing.T) {
		s, err := NewServer(factory, Options{})
		if err != nil {
			t.Fatal(err)
		}
		server, client := net.Pipe()
		defer client.Close()
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader("GET /x HTTP/1.1\r\nHost: example.com\r\n" + head)))
		if err != nil {
			t.Fatal(err)
		}
		hr := RequestFromHTTP(r)
		hr.Host = "" // what an adapter hands over for a request without Host
		hr.RemoteAddr = "192.0.2.1:1234"
		done := make(chan error, 1)
		go func() { done <- s.ServeConn(server, nil, hr) }()
		client.SetDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(client), nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "missing Host") {
			t.Errorf("got %d %q, want 400 naming the missing Host", resp.StatusCode, body)
		}
		var herr *HTTPError
		if err := <-done; !errors.As(err, &herr) || herr.Status != http.StatusBadRequest {
			t.Errorf("ServeConn returned %v, want the 400 *HTTPError", err)
		}
	})
	if n := connects.Load(); n != 0 {
		t.Errorf("OnConnect ran %d times for requests without Host", n)
	}
}
