package wscore

import (
	"sync"
	"testing"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
)

// A prepared message sent to 1,000 connections is encoded once.
func TestPreparedMessageToThousandConnections(t *testing.T) {
	const n = 1000
	opened := make(chan *Conn, n)
	s, err := NewServer(func() ServerProtocol { return &openNotifier{opened: opened} }, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := serve(t, s, nil)
	clients := make([]*wstest.RawClient, n)
	for i := range clients {
		clients[i] = dialRaw(t, ts)
	}
	conns := make([]*Conn, n)
	for i := range conns {
		conns[i] = <-opened
	}
	pm := NewPreparedMessage([]byte("to everyone"), false)
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func(c *Conn) {
			defer wg.Done()
			if err := c.SendPreparedMessage(pm); err != nil {
				t.Error(err)
			}
		}(c)
	}
	wg.Wait()
	if got := pm.encodeCount.Load(); got != 1 {
		t.Errorf("encoded %d times for %d connections, want once", got, n)
	}
	for i, c := range clients {
		_, got, _, err := c.ReadMessage(5 * time.Second)
		if err != nil || string(got) != "to everyone" {
			t.Fatalf("client %d: %q %v", i, got, err)
		}
	}
	if st := s.Stats(); st.MessagesOut != n {
		t.Errorf("stats count %d messages out, want %d", st.MessagesOut, n)
	}
}

// Connections with another fragment size get their own encoding, once.
func TestPreparedMessagePerConfiguration(t *testing.T) {
	t.Parallel()
	pm := NewPreparedMessage([]byte("0123456789"), true)
	a := pm.frames(preparedKey{})
	b := pm.frames(preparedKey{fragment: 4})
	pm.frames(preparedKey{fragment: 4})
	if pm.encodeCount.Load() != 2 {
		t.Fatalf("encodings %d", pm.encodeCount.Load())
	}
	if len(a) != 12 || len(b) != 3*2+10 {
		t.Fatalf("encoded sizes %d and %d", len(a), len(b))
	}
	if b[0] != 0x02 || b[6] != 0x00 || b[12]&0x80 == 0 {
		t.Fatalf("fragments %x", b)
	}
}
