package brokertest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/wsplug/wsplug/broadcast"
)

// RunHubRecovery checks recovery end to end, through Hubs: two nodes on the
// harness's backplane, each with a real WebSocket client in the room; after
// h.Fault breaks the backplane, each Hub's HubOptions.OnResync is called once
// with the node's topics, Stats().Resyncs is 1, and a message a client sends
// then reaches both clients again.
func RunHubRecovery(t *testing.T, h Harness) {
	if h.Fault == nil {
		t.Skip("this backplane cannot fail (no Fault in the harness)")
	}
	if h.Timeout == 0 {
		h.Timeout = 10 * time.Second
	}
	nodes := make([]*Node, 2)
	resyncs := make([]chan []string, len(nodes))
	for i := range nodes {
		ch := make(chan []string, 4)
		resyncs[i] = ch
		nodes[i] = StartNode(t, h.NewBroker(t), broadcast.HubOptions{
			NodeID:   fmt.Sprintf("node-%c", 'a'+i),
			OnResync: func(topics []string) { ch <- topics },
		})
	}
	clients := []*Client{nodes[0].Dial(t), nodes[1].Dial(t)}
	clients[1].Send("before the fault")
	for i, c := range clients {
		if got := c.Read(); got != "before the fault" {
			t.Fatalf("client %d got %q", i, got)
		}
	}

	h.Fault(t)

	for i, n := range nodes {
		select {
		case topics := <-resyncs[i]:
			if !slices.Equal(topics, []string{Room}) {
				t.Errorf("node %d: OnResync got %q, want [%q]", i, topics, Room)
			}
		case <-time.After(h.Timeout + 20*time.Second):
			t.Fatalf("node %d: no OnResync after the fault (broker %+v, hub %+v)", i, n.Hub.Broker().State(), n.Hub.Stats())
		}
	}
	clients[0].Send("after the fault")
	for i, c := range clients {
		if got := c.Read(); got != "after the fault" {
			t.Fatalf("client %d got %q after the recovery", i, got)
		}
	}
	for i, n := range nodes {
		if st := n.Hub.Stats(); st.Resyncs != 1 {
			t.Errorf("node %d: Stats().Resyncs = %d after one fault, want 1", i, st.Resyncs)
		}
		if bs := n.Hub.Broker().State(); !bs.Connected || bs.Reconnects != 1 {
			t.Errorf("node %d: broker state %+v, want connected with 1 reconnect", i, bs)
		}
		select {
		case topics := <-resyncs[i]:
			t.Errorf("node %d: a second OnResync (%q) after one fault", i, topics)
		default:
		}
	}
	for _, c := range clients {
		c.Close()
	}
}
