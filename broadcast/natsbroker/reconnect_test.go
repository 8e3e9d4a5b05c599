package natsbroker

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsplug/wsplug/broadcast/brokertest"
	"github.com/wsplug/wsplug/broadcast/natsbroker/natstest"
)

func dialStarted(t *testing.T, url string) (*Broker, *brokertest.Recorder) {
	t.Helper()
	b, err := Dial(url, Options{ReconnectWait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	rec := brokertest.NewRecorder()
	if err := b.Start(rec.Handler()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, rec
}

// The flush that confirms the subscriptions after a reconnection fails once
// (as on a slow server): it is tried again, and the resync notice and the
// Reconnects count still come, once.
func TestResyncAfterFailedConfirmation(t *testing.T) {
	s := natstest.Start(t)
	b, rec := dialStarted(t, s.URL())
	pub, _ := dialStarted(t, s.URL())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.Subscribe(ctx, "room"); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	b.mu.Lock()
	flush0 := b.flush
	b.flush = func(d time.Duration) error {
		if calls.Add(1) == 1 {
			return errors.New("test: no answer to the flush")
		}
		return flush0(d)
	}
	b.mu.Unlock()

	s.Restart()
	if !rec.WaitFor(20*time.Second, func(_ map[string][][]byte, r int) bool { return r >= 1 }) {
		t.Fatalf("no resync notice after a failed confirmation (flush calls %d, state %+v)", calls.Load(), b.State())
	}
	if n := calls.Load(); n < 2 {
		t.Errorf("flush called %d times, want a retry", n)
	}
	if err := pub.Publish(ctx, "room", []byte("after")); err != nil {
		t.Fatal(err)
	}
	rec.WaitMessages(t, "room", 1, 10*time.Second)
	if st := b.State(); st.Reconnects != 1 || !st.Connected {
		t.Errorf("state after the reconnection: %+v, want connected with 1 reconnect", st)
	}
	if r := rec.Resyncs(); r != 1 {
		t.Errorf("%d resync notices, want 1", r)
	}
}

// Every subscription has the pending limits the package documents, not
// whatever the client's defaults are.
func TestPendingLimits(t *testing.T) {
	s := natstest.Start(t)
	b, _ := dialStarted(t, s.URL())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.Subscribe(ctx, "room"); err != nil {
		t.Fatal(err)
	}
	b.mu.Lock()
	sub := b.subs["room"].sub
	b.mu.Unlock()
	msgs, bytes, err := sub.PendingLimits()
	if err != nil || msgs != pendingMsgsLimit || bytes != pendingBytesLimit {
		t.Errorf("PendingLimits() = %d messages, %d bytes, %v; want %d, %d", msgs, bytes, err, pendingMsgsLimit, pendingBytesLimit)
	}
}
