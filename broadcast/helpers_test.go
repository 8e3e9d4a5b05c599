package broadcast_test

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/wsplug/wsplug/broadcast"
	wshttp "github.com/wsplug/wsplug/middleware/nethttp"
	"github.com/wsplug/wsplug/wscore"
)

// feed is a protocol whose connections join topic "feed" and are told
// "joined" once they are in; what they send is published to the feed.
type feed struct {
	wscore.BaseServerProtocol
	hub *broadcast.Hub
}

const feedTopic = "feed"

func (p *feed) OnOpen(c *wscore.Conn) {
	if err := p.hub.Join(c, feedTopic); err != nil {
		c.SendClose(wscore.CloseTryAgainLater, err.Error())
		return
	}
	c.SendMessage([]byte("joined"), false)
}

func (p *feed) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	p.hub.Publish(context.Background(), feedTopic, payload, isBinary)
}

// serveFeed serves the feed protocol of hub on a loopback listener (wrapped
// by wrap when not nil) and returns its ws:// URL and the engine.
func serveFeed(t testing.TB, hub *broadcast.Hub, opts wscore.Options, wrap func(net.Listener) net.Listener) (string, *wscore.Server) {
	t.Helper()
	srv, err := wscore.NewServer(hub.Protocol(func() wscore.ServerProtocol { return &feed{hub: hub} }), opts)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if wrap != nil {
		ln = wrap(ln)
	}
	mux := http.NewServeMux()
	mux.Handle("/ws", wshttp.New(srv))
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
		srv.Shutdown(ctx)
	})
	return "ws://" + addr + "/ws", srv
}

// waitFor polls cond for up to 10 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// serveServer serves srv at /ws on a loopback listener and returns its URL.
func serveServer(t testing.TB, srv *wscore.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/ws", wshttp.New(srv))
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
		srv.Shutdown(ctx)
	})
	return "ws://" + ln.Addr().String() + "/ws"
}
