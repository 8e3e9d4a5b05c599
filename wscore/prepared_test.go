package wscore

import (
	"strings"
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
	a := pm.frames(preparedKey{}).bytes
	b := pm.frames(preparedKey{fragment: 4}).bytes
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

// With compression, connections without context takeover share one
// compressed encoding per window size; connections with takeover compress
// against their own history. Every client reads the message correctly.
func TestPreparedMessageCompressed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		accept    func([]DeflateOffer) *DeflateResponse
		encodings int64
	}{
		{"no takeover", DeflateAcceptor{ServerNoContextTakeover: true}.Accept, 1},
		{"takeover", DefaultDeflateAccept, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const n = 20
			opened := make(chan *Conn, n)
			s, err := NewServer(func() ServerProtocol { return &openNotifier{opened: opened} }, Options{PerMessageCompressionAccept: tc.accept})
			if err != nil {
				t.Fatal(err)
			}
			ts := serve(t, s, nil)
			var clients []*recClient
			for i := 0; i < n; i++ {
				p := newRecClient()
				dialT(t, ts.URL, p, &ClientOptions{PerMessageCompressionOffers: browserLikeOffer})
				clients = append(clients, p)
			}
			msg := []byte(strings.Repeat("a prepared and compressed broadcast message ", 50))
			pm := NewPreparedMessage(msg, false)
			for i := 0; i < n; i++ {
				c := <-opened
				if c.deflate == nil {
					t.Fatal("compression not negotiated")
				}
				if err := c.SendPreparedMessage(pm); err != nil {
					t.Fatal(err)
				}
			}
			if got := pm.encodeCount.Load(); got != tc.encodings {
				t.Errorf("%d encodings for %d connections, want %d", got, n, tc.encodings)
			}
			for _, p := range clients {
				if got := p.nextMsg(t, 5*time.Second); string(got.payload) != string(msg) {
					t.Fatalf("%d bytes", len(got.payload))
				}
			}
			if tc.encodings == 1 {
				if in, out := s.WireBytes(); out >= uint64(n*len(msg)) {
					t.Errorf("wire bytes out %d (in %d): nothing saved", out, in)
				}
			}
		})
	}
}
