package broadcast_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/wsplug/wsplug/broadcast"
	"github.com/wsplug/wsplug/internal/wstest"
	"github.com/wsplug/wsplug/wscore"
)

// Fan-out over real sockets: 4,000 connections (8,000 descriptors in this
// process, within the limit of 20,000) each receive every message, in order.
func TestFanOut4000Sockets(t *testing.T) {
	const conns, messages = 4000, 5
	hub := broadcast.MustNewHub(broadcast.HubOptions{UnsubscribeDelay: -1})
	defer hub.Close()
	url, srv := serveFeed(t, hub, wscore.Options{}, nil)
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "ws://"), "/ws")

	clients := make([]*wstest.RawClient, 0, conns)
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	for i := range conns {
		nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		// A small reader: 4,000 clients must not hold 64 KiB each.
		c := &wstest.RawClient{Conn: nc, BR: bufio.NewReaderSize(nc, 512)}
		clients = append(clients, c)
		resp, err := c.Handshake(wstest.Handshake{Path: "/ws"})
		if err != nil || resp.StatusCode != 101 {
			t.Fatalf("client %d handshake: %v %v", i, resp, err)
		}
	}
	for i, c := range clients {
		if _, msg, _, err := c.ReadMessage(10 * time.Second); err != nil || string(msg) != "joined" {
			t.Fatalf("client %d: %q %v", i, msg, err)
		}
	}
	if n := hub.Members(feedTopic); n != conns {
		t.Fatalf("%d members, want %d", n, conns)
	}

	start := time.Now()
	for m := range messages {
		if err := hub.Publish(context.Background(), feedTopic, fmt.Appendf(nil, "message %d", m), false); err != nil {
			t.Fatal(err)
		}
	}
	published := time.Since(start)
	for i, c := range clients {
		for m := range messages {
			op, msg, _, err := c.ReadMessage(10 * time.Second)
			if want := fmt.Sprintf("message %d", m); err != nil || op != wstest.OpText || string(msg) != want {
				t.Fatalf("client %d: got %q (op %d, %v), want %q", i, msg, op, err, want)
			}
		}
	}
	t.Logf("%d messages to %d sockets: published in %v, all read after %v; hub %+v", messages, conns, published, time.Since(start), hub.Stats())
	waitFor(t, "every message counted as sent", func() bool { return hub.Stats().Sent == conns*messages })

	for _, c := range clients {
		c.Close()
	}
	clients = nil
	waitFor(t, "the connections to end", func() bool { return srv.Stats().Open == 0 })
	waitFor(t, "the hub to forget them", func() bool { return hub.Stats().Members == 0 && hub.Members(feedTopic) == 0 })
}
