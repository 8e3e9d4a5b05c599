package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/wsplug/wsplug/broadcast"
	"github.com/wsplug/wsplug/broadcast/natsbroker/natstest"
	"github.com/wsplug/wsplug/broadcast/redisbroker/redistest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// startNode runs the chat on a free loopback port until the test ends and
// returns its page URL.
func startNode(t *testing.T, broker string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, "127.0.0.1:0", broker, func(url, _ string) { urls <- url }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	select {
	case u := <-urls:
		return u
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the node did not start")
	}
	return ""
}

func dial(t *testing.T, page string) *websocket.Conn {
	t.Helper()
	url := strings.Replace(page, "http://", "ws://", 1) + "ws"
	c, _, err := websocket.DefaultDialer.Dial(url, http.Header{"Origin": {strings.TrimSuffix(page, "/")}})
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// waitStatus polls the node's status page for up to 20 s until cond holds
// for its broadcast fields ("extra"); what says what the test waits for.
func waitStatus(t *testing.T, page, what string, cond func(extra map[string]any) bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st := statusJSON(t, page)
		extra, _ := st["extra"].(map[string]any)
		if cond(extra) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("status of %s: %v, want %s", page, st, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// joined waits until the node's status page counts n members of the chat,
// so a message sent now, on any node, reaches them: the Hub counts a
// connection only once its Join returned, that is once the node's
// subscription is confirmed by the broker (a member counted earlier could
// miss a message published on another node).
func joined(t *testing.T, page string, n int) {
	t.Helper()
	waitStatus(t, page, fmt.Sprintf("%d members", n), func(extra map[string]any) bool {
		return extra["topic_members"] == itoa(n)
	})
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func statusJSON(t *testing.T, page string) map[string]any {
	t.Helper()
	var st map[string]any
	if err := json.Unmarshal([]byte(statusBody(t, page, "application/json")), &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// statusBody is the status page of /ws as accept asks (JSON or HTML).
func statusBody(t *testing.T, page, accept string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", page+"ws", nil)
	req.Header.Set("Accept", accept)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("status page: %d, %v", resp.StatusCode, err)
	}
	return string(body)
}

// publicFields are the only broadcast fields the status page may show.
var publicFields = []string{"node", "topic", "topic_members", "broker", "broker_state", "broker_resyncs", "published", "received", "dropped", "lag"}

// checkDiscreet fails when the node's status page (JSON or HTML) shows more
// than publicFields, or any of the secrets (the broker's address, say).
func checkDiscreet(t *testing.T, page string, secrets ...string) map[string]any {
	t.Helper()
	extra, _ := statusJSON(t, page)["extra"].(map[string]any)
	keys := slices.Sorted(maps.Keys(extra))
	if want := slices.Sorted(slices.Values(publicFields)); !slices.Equal(keys, want) {
		t.Errorf("status fields %q, want exactly %q", keys, want)
	}
	for _, accept := range []string{"application/json", "text/html"} {
		body := statusBody(t, page, accept)
		for _, s := range secrets {
			if strings.Contains(body, s) {
				t.Errorf("the %s status page shows %q", accept, s)
			}
		}
	}
	return extra
}

func read(t *testing.T, c *websocket.Conn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, msg, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return string(msg)
}

// chatAcross connects a client to each node, sends from the last one and
// checks that every client, the sender included, gets the message.
func chatAcross(t *testing.T, pages []string) {
	var clients []*websocket.Conn
	for _, p := range pages {
		clients = append(clients, dial(t, p))
	}
	count := map[string]int{}
	for _, p := range pages {
		count[p]++
	}
	for p, n := range count {
		joined(t, p, n)
	}
	msg := `{"id":"t","name":"tester","text":"hello from the last node"}`
	if err := clients[len(clients)-1].WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	for i, c := range clients {
		if got := read(t, c); got != msg {
			t.Errorf("client on node %d got %q", i, got)
		}
	}
	for _, c := range clients {
		c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""))
	}
}

func TestMemoryNode(t *testing.T) {
	page := startNode(t, "memory")
	resp, err := http.Get(page)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<title>wsplug chat</title>") {
		t.Fatalf("page: %d %.80q", resp.StatusCode, body)
	}
	for _, asset := range []string{"chat.js", "chat.css"} {
		r, err := http.Get(page + asset)
		if err != nil || r.StatusCode != 200 {
			t.Fatalf("%s: %v %v", asset, r, err)
		}
		r.Body.Close()
	}
	chatAcross(t, []string{page, page})
	extra := checkDiscreet(t, page)
	if extra["topic"] != "chat" || extra["broker"] != "memory" || extra["broker_state"] != "connected" || extra["broker_resyncs"] != "0" {
		t.Errorf("status extra: %v", extra)
	}
}

func TestRedisNodes(t *testing.T) {
	s := redistest.Start(t)
	pages := []string{startNode(t, s.URL()), startNode(t, s.URL())}
	chatAcross(t, pages)
	extra := checkDiscreet(t, pages[0], s.Addr)
	if extra["broker"] != "redis" || extra["broker_state"] != "connected" || extra["broker_resyncs"] != "0" {
		t.Errorf("status extra: %v", extra)
	}

	// After a fault the page counts the resync, and still shows neither the
	// address nor the error (which names both ends of the lost connection).
	s.KillPubSub(t)
	for _, p := range pages {
		waitStatus(t, p, "one resync and the broker connected after the fault", func(extra map[string]any) bool {
			return extra["broker_resyncs"] == "1" && extra["broker_state"] == "connected"
		})
		checkDiscreet(t, p, s.Addr)
	}
}

func TestNATSNodes(t *testing.T) {
	s := natstest.Start(t)
	pages := []string{startNode(t, s.URL()), startNode(t, s.URL()), startNode(t, s.URL())}
	chatAcross(t, pages)
	extra := checkDiscreet(t, pages[2], strings.TrimPrefix(s.URL(), "nats://"))
	if extra["broker"] != "nats" || extra["broker_state"] != "connected" {
		t.Errorf("status extra: %v", extra)
	}
}

func TestUnknownBroker(t *testing.T) {
	err := run(context.Background(), "127.0.0.1:0", "kafka://x", func(string, string) {})
	if err == nil || !strings.Contains(err.Error(), "unknown broker") {
		t.Errorf("run with a kafka broker: %v", err)
	}
}

// brokerState's word depends on Connected alone: "connected", else
// "reconnecting", whatever else the state holds. (It is given only the
// broker's state, not the page: that the page hides Addr and LastError is
// checkDiscreet's business, in TestRedisNodes and TestNATSNodes.)
func TestBrokerStateWord(t *testing.T) {
	for bs, want := range map[broadcast.BrokerState]string{
		{Kind: "redis", Connected: true}:                         "connected",
		{Kind: "redis", Addr: "10.0.0.1:6379", LastError: "EOF"}: "reconnecting",
	} {
		if got := brokerState(bs); got != want {
			t.Errorf("brokerState(%+v) = %q, want %q", bs, got, want)
		}
	}
}
