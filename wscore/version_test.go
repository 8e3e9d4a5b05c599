package wscore

import (
	"net/http"
	"testing"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
)

// Conn.Version is the version the client asked for: 8 for hybi-08 (with its
// Sec-WebSocket-Origin), 13 for RFC 6455.
func TestConnVersion(t *testing.T) {
	t.Parallel()
	opened := make(chan *Conn, 2)
	s, err := NewServer(func() ServerProtocol { return &openNotifier{opened: opened} }, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := serve(t, s, nil)
	for _, tc := range []struct {
		header http.Header
		want   int
	}{
		{http.Header{"Sec-WebSocket-Version": {"8"}, "Sec-WebSocket-Origin": {"http://" + ts.Addr}}, 8},
		{http.Header{"Sec-WebSocket-Version": {"13"}, "Origin": {"http://" + ts.Addr}}, 13},
	} {
		c, resp, err := wstest.Dial(ts.Addr, wstest.Handshake{Header: tc.header})
		if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("version %d: %v %v", tc.want, resp, err)
		}
		select {
		case conn := <-opened:
			if conn.Version() != tc.want || conn.Request().Version != tc.want {
				t.Errorf("Version() = %d, Request().Version = %d, want %d", conn.Version(), conn.Request().Version, tc.want)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no OnOpen")
		}
		c.Close()
	}
}
