package wshttp_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsplug/wsplug/internal/adaptertest"
	"github.com/wsplug/wsplug/internal/wstest"
	wshttp "github.com/wsplug/wsplug/middleware/nethttp"
	"github.com/wsplug/wsplug/wscore"
)

type soakEcho struct {
	wscore.BaseServerProtocol
	closes *atomic.Int64
}

func (p *soakEcho) OnMessage(c *wscore.Conn, b []byte, bin bool) { c.SendMessage(b, bin) }
func (p *soakEcho) OnClose(*wscore.Conn, bool, int, string)      { p.closes.Add(1) }

// runSoak drives a soak against a wshttp route behind NewHTTPServer (net/http
// reads the head and hijacks) and checks that every connection was reported
// closed once and that descriptors, goroutines and heap are back to baseline.
func runSoak(t *testing.T, cfg wstest.SoakConfig, heapSlack uint64) {
	var closes atomic.Int64
	opts := wscore.Options{AutoPingInterval: 250 * time.Millisecond, AutoPingTimeout: 250 * time.Millisecond, CloseHandshakeTimeout: 500 * time.Millisecond}
	rt, err := wshttp.Handler(func() wscore.ServerProtocol { return &soakEcho{closes: &closes} }, opts)
	if err != nil {
		t.Fatal(err)
	}
	// Registered first, so it runs after serve's cleanup has stopped the
	// HTTP server.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := rt.Server().Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	cfg.Addr = strings.TrimPrefix(serve(t, wshttp.NewHTTPServer(rt, opts), nil), "http://")
	warm := cfg
	warm.Conns, warm.Duration, warm.Concurrency, warm.SilentWait = 20, 0, 4, 0
	if r := wstest.Soak(warm); r.Failures > 0 {
		t.Fatalf("warm-up: %v: %v", r, r.Errors)
	}
	adaptertest.WaitOpen(t, rt.Server(), 0, 10*time.Second)
	closes.Store(0)
	accepted0 := rt.Server().Stats().Accepted
	base := wstest.Snapshot()

	r := wstest.Soak(cfg)
	t.Logf("soak: %v", r)
	if r.Failures > 0 {
		t.Errorf("%d connections failed: %v", r.Failures, r.Errors)
	}
	adaptertest.WaitOpen(t, rt.Server(), 0, 10*time.Second)
	if got := rt.Server().Stats().Accepted - accepted0; int64(got) != r.Opened || closes.Load() != r.Opened {
		t.Errorf("accepted %d, OnClose %d, clients saw %d 101s", got, closes.Load(), r.Opened)
	}
	after := wstest.WaitBaseline(t, base, wstest.Slack{FDs: 2, Goroutines: 2, Heap: heapSlack}, 10*time.Second)
	t.Logf("baseline %v, after %v", base, after)
}

// TestSoakQuick: a few hundred connections through net/http in the default
// run.
func TestSoakQuick(t *testing.T) {
	runSoak(t, wstest.SoakConfig{Path: "/", Conns: 320, Concurrency: 32, Messages: 4, SilentWait: 5 * time.Second}, 4<<20)
}

// TestSoak runs for WSPLUG_SOAK_DURATION (default 2m) when WSPLUG_SOAK=1.
func TestSoak(t *testing.T) {
	on, d, err := wstest.SoakEnabled()
	if err != nil {
		t.Fatal(err)
	}
	if !on {
		t.Skipf("set %s=1 (and optionally %s) to run the long soak", wstest.SoakEnv, wstest.SoakDurationEnv)
	}
	runSoak(t, wstest.SoakConfig{Path: "/", Duration: d, Concurrency: 1000, Messages: 6, SilentWait: 5 * time.Second, MaxRate: 2000}, 16<<20)
}
