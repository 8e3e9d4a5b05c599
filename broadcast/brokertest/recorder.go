package brokertest

import (
	"sync"
	"testing"
	"time"

	"github.com/wsplug/wsplug/broadcast"
)

// Recorder is a broker's Handler that keeps what it was given, for tests.
type Recorder struct {
	mu      sync.Mutex
	cond    *sync.Cond
	msgs    map[string][][]byte
	resyncs int
}

// NewRecorder makes an empty recorder.
func NewRecorder() *Recorder {
	r := &Recorder{msgs: map[string][][]byte{}}
	r.cond = sync.NewCond(&r.mu)
	return r
}

// Handler returns the callbacks to Start a broker with.
func (r *Recorder) Handler() broadcast.Handler {
	return broadcast.Handler{
		Deliver: func(topic string, data []byte) {
			r.mu.Lock()
			r.msgs[topic] = append(r.msgs[topic], append([]byte(nil), data...))
			r.cond.Broadcast()
			r.mu.Unlock()
		},
		Resync: func() {
			r.mu.Lock()
			r.resyncs++
			r.cond.Broadcast()
			r.mu.Unlock()
		},
	}
}

// Messages returns a copy of what was delivered on topic so far.
func (r *Recorder) Messages(topic string) [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.msgs[topic]...)
}

// Resyncs returns how many resync notices arrived.
func (r *Recorder) Resyncs() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.resyncs
}

// WaitFor waits until cond holds (checked under the recorder's lock with the
// messages and resync count) or the timeout passes, and reports which.
func (r *Recorder) WaitFor(timeout time.Duration, cond func(msgs map[string][][]byte, resyncs int) bool) bool {
	deadline := time.Now().Add(timeout)
	stop := time.AfterFunc(timeout, func() {
		r.mu.Lock()
		r.cond.Broadcast()
		r.mu.Unlock()
	})
	defer stop.Stop()
	r.mu.Lock()
	defer r.mu.Unlock()
	for !cond(r.msgs, r.resyncs) {
		if !time.Now().Before(deadline) {
			return false
		}
		r.cond.Wait()
	}
	return true
}

// WaitMessages waits until topic has at least n messages and returns them;
// it fails the test after the timeout.
func (r *Recorder) WaitMessages(t testing.TB, topic string, n int, timeout time.Duration) [][]byte {
	t.Helper()
	ok := r.WaitFor(timeout, func(m map[string][][]byte, _ int) bool { return len(m[topic]) >= n })
	got := r.Messages(topic)
	if !ok {
		t.Fatalf("topic %q: %d messages after %v, want %d", topic, len(got), timeout, n)
	}
	return got
}
