package wscore

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
)

// soakProtocol echoes and counts how connections ended.
type soakProtocol struct {
	BaseServerProtocol
	opens, closes, clean *atomic.Int64
}

func (p *soakProtocol) OnOpen(c *Conn) { p.opens.Add(1) }

func (p *soakProtocol) OnMessage(c *Conn, payload []byte, isBinary bool) {
	c.QueueMessage(payload, isBinary)
}

func (p *soakProtocol) OnClose(c *Conn, wasClean bool, code int, reason string) {
	p.closes.Add(1)
	if wasClean {
		p.clean.Add(1)
	}
}

// soakOptions make silent peers detectable (AutoPing) within a second.
var soakOptions = Options{
	AutoPingInterval:      250 * time.Millisecond,
	AutoPingTimeout:       250 * time.Millisecond,
	CloseHandshakeTimeout: 500 * time.Millisecond,
}

// runSoak serves the soak protocol with Serve (serveListenerWith) and drives
// cfg against it. It
// then checks that every opened connection was reported closed once and that
// file descriptors, goroutines and the heap are back to where they were.
func runSoak(t *testing.T, cfg wstest.SoakConfig, heapSlack uint64) {
	var opens, closes, clean atomic.Int64
	s, err := NewServer(func() ServerProtocol { return &soakProtocol{opens: &opens, closes: &closes, clean: &clean} }, soakOptions)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Addr = serveListenerWith(t, s)

	// Warm up (pools, the sweeper's timer, the runtime's netpoller), then
	// take the baseline.
	warm := cfg
	warm.Conns, warm.Duration, warm.Concurrency, warm.SilentWait = 20, 0, 4, 0
	if r := wstest.Soak(warm); r.Failures > 0 {
		t.Fatalf("warm-up: %v: %v", r, r.Errors)
	}
	waitOpenConns(t, s, 0, 5*time.Second)
	opens.Store(0)
	closes.Store(0)
	clean.Store(0)
	accepted0 := s.Stats().Accepted
	base := wstest.Snapshot()

	r := wstest.Soak(cfg)
	t.Logf("soak: %v", r)
	if r.Failures > 0 {
		t.Errorf("%d connections failed: %v", r.Failures, r.Errors)
	}
	waitOpenConns(t, s, 0, 10*time.Second)
	if got := s.Stats().Accepted - accepted0; int64(got) != r.Opened {
		t.Errorf("server accepted %d, clients saw %d 101s", got, r.Opened)
	}
	if opens.Load() != r.Opened || closes.Load() != r.Opened {
		t.Errorf("OnOpen %d, OnClose %d times for %d connections, want one each", opens.Load(), closes.Load(), r.Opened)
	}
	if want := r.Endings[wstest.EndClean]; clean.Load() != want {
		t.Errorf("%d clean closes reported, want exactly the %d clean endings", clean.Load(), want)
	}
	after := wstest.WaitBaseline(t, base, wstest.Slack{FDs: 2, Goroutines: 2, Heap: heapSlack}, 10*time.Second)
	t.Logf("baseline %v, after %v", base, after)
}

func waitOpenConns(t *testing.T, s *Server, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for s.Stats().Open != n {
		if time.Now().After(deadline) {
			t.Fatalf("open connections: %d, want %d", s.Stats().Open, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSoakQuick is the default run's soak: a few hundred connections in a
// few seconds, every ending mixed in.
func TestSoakQuick(t *testing.T) {
	runSoak(t, wstest.SoakConfig{Conns: 320, Concurrency: 32, Messages: 4, SilentWait: 5 * time.Second}, 4<<20)
}

// TestSoak runs for WSPLUG_SOAK_DURATION (default 2m) when WSPLUG_SOAK=1:
// up to 1000 connections open at once (2000 descriptors of the 20000 allowed
// here), thousands in all.
func TestSoak(t *testing.T) {
	on, d, err := wstest.SoakEnabled()
	if err != nil {
		t.Fatal(err)
	}
	if !on {
		t.Skipf("set %s=1 (and optionally %s) to run the long soak", wstest.SoakEnv, wstest.SoakDurationEnv)
	}
	runSoak(t, wstest.SoakConfig{Duration: d, Concurrency: 1000, Messages: 6, SilentWait: 5 * time.Second, MaxRate: 2000}, 16<<20)
}
