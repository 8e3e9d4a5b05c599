package redisbroker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wsplug/wsplug/broadcast"
	"github.com/wsplug/wsplug/broadcast/brokertest"
	"github.com/wsplug/wsplug/broadcast/redisbroker/redistest"
)

// startBroker dials url and starts the broker; the test's cleanup closes it.
func startBroker(t *testing.T, url string) *Broker {
	t.Helper()
	b, err := Dial(url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(brokertest.NewRecorder().Handler()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// subscribeAsync runs Subscribe on a goroutine; its result arrives on the
// channel.
func subscribeAsync(b *Broker, topic string, timeout time.Duration) <-chan error {
	res := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		res <- b.Subscribe(ctx, topic)
	}()
	return res
}

func result(t *testing.T, what string, res <-chan error, within time.Duration) error {
	t.Helper()
	select {
	case err := <-res:
		return err
	case <-time.After(within):
		t.Fatalf("%s did not return within %v", what, within)
		return nil
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// channels is what Redis itself says is subscribed (PUBSUB CHANNELS), sorted.
func channels(t *testing.T, s *redistest.Server) []string {
	t.Helper()
	c := s.Client()
	defer c.Close()
	got, err := c.Do(context.Background(), "PUBSUB", "CHANNELS").StringSlice()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	return got
}

// settled subscribes a sentinel topic and waits for it: Redis answers in
// order, so every command sent before has been answered too.
func settled(t *testing.T, b *Broker, sentinel string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.Subscribe(ctx, sentinel); err != nil {
		t.Fatalf("Subscribe(%q): %v", sentinel, err)
	}
}

// pendingX starts a broker behind a proxy, with a sentinel subscribed (so the
// subscriber connection is up) and Redis's replies held, then subscribes
// topic "x" with the given timeout and waits until Redis itself has the
// channel: the SUBSCRIBE was sent and executed, and only its reply waits.
func pendingX(t *testing.T, timeout time.Duration) (*redistest.Server, *redistest.Proxy, *Broker, <-chan error) {
	t.Helper()
	s := redistest.Start(t)
	p := s.Proxy(t)
	b := startBroker(t, p.URL())
	settled(t, b, "sentinel")

	p.Hold(redistest.ToClient, true) // Redis executes, its replies wait
	res := subscribeAsync(b, "x", timeout)
	waitUntil(t, "Redis to execute SUBSCRIBE x", func() bool { return slices.Contains(channels(t, s), "wsplug:x") })
	return s, p, b, res
}

// wantChannels releases Redis's replies, waits for them (a second sentinel
// confirmed means every earlier reply arrived), and checks that Redis has
// exactly the channels want, sorted.
func wantChannels(t *testing.T, b *Broker, s *redistest.Server, p *redistest.Proxy, want ...string) {
	t.Helper()
	p.Hold(redistest.ToClient, false)
	settled(t, b, "sentinel2")
	if got := channels(t, s); !slices.Equal(got, want) {
		t.Errorf("Redis has %q, want %q", got, want)
	}
}

// An Unsubscribe while Redis has not confirmed the subscription yet undoes
// it: the waiting Subscribe fails instead of reporting a subscription that is
// gone, and Redis is left without the channel.
func TestSubscribeUndoneByUnsubscribe(t *testing.T) {
	s, p, b, res := pendingX(t, 10*time.Second)
	if err := b.Unsubscribe(context.Background(), "x"); err != nil {
		t.Fatal(err)
	}
	if err := result(t, "Subscribe", res, 5*time.Second); !errors.Is(err, errUnsubscribed) {
		t.Errorf("Subscribe undone by Unsubscribe returned %v, want errUnsubscribed", err)
	}
	wantChannels(t, b, s, p, "wsplug:sentinel", "wsplug:sentinel2")
	if st := b.State(); st.Topics != 2 {
		t.Errorf("State().Topics = %d, want 2", st.Topics)
	}
}

// Close while a subscription is pending: Subscribe fails with ErrClosed.
func TestSubscribePendingAtClose(t *testing.T) {
	_, p, b, res := pendingX(t, 10*time.Second)
	b.Close()
	if err := result(t, "Subscribe", res, 5*time.Second); !errors.Is(err, broadcast.ErrClosed) {
		t.Errorf("Subscribe pending at Close returned %v, want ErrClosed", err)
	}
	p.Hold(redistest.ToClient, false)
}

// When the first Subscribe of a topic gives up (its context ends), the
// subscription is undone and every other call waiting for it learns at once,
// instead of waiting for its own deadline; Redis is left without the channel.
func TestSubscribeGivenUpWakesEveryWaiter(t *testing.T) {
	s, p, b, first := pendingX(t, 300*time.Millisecond)
	second := subscribeAsync(b, "x", 20*time.Second)
	if err := result(t, "the first Subscribe", first, 5*time.Second); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("first Subscribe: %v, want its deadline", err)
	}
	if err := result(t, "the second Subscribe", second, 3*time.Second); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second Subscribe: %v, want the first one's outcome", err)
	}
	wantChannels(t, b, s, p, "wsplug:sentinel", "wsplug:sentinel2")
}

// A subscription given up and made again: the reply to the first SUBSCRIBE,
// arriving after the UNSUBSCRIBE that undid it was sent, must not confirm the
// second one while Redis has not executed it.
func TestStaleConfirmation(t *testing.T) {
	s, p, b, first := pendingX(t, 300*time.Millisecond)
	if err := result(t, "the first Subscribe", first, 5*time.Second); err == nil {
		t.Fatal("the first Subscribe succeeded with Redis's replies held")
	}
	// Redis executed SUBSCRIBE x, then the UNSUBSCRIBE x of the undo.
	waitUntil(t, "Redis to execute the undo", func() bool { return !slices.Contains(channels(t, s), "wsplug:x") })
	p.Hold(redistest.ToServer, true)
	second := subscribeAsync(b, "x", 20*time.Second) // its SUBSCRIBE waits in the proxy
	time.Sleep(50 * time.Millisecond)
	p.Hold(redistest.ToClient, false) // the replies to SUBSCRIBE x and UNSUBSCRIBE x arrive
	select {
	case err := <-second:
		t.Fatalf("the second Subscribe returned %v before Redis got its command (Redis has %q)", err, channels(t, s))
	case <-time.After(300 * time.Millisecond):
	}
	p.Hold(redistest.ToServer, false)
	if err := result(t, "the second Subscribe", second, 5*time.Second); err != nil {
		t.Fatalf("second Subscribe: %v", err)
	}
	if got := channels(t, s); !slices.Contains(got, "wsplug:x") {
		t.Errorf("Subscribe returned nil but Redis has %q", got)
	}
}

// replace (the subscriber connection swapped after silence) racing Subscribe
// and Unsubscribe: every command goes to the current connection in order, so
// Redis ends with exactly the channels the broker wants.
func TestReplaceRacingSubscriptions(t *testing.T) {
	s := redistest.Start(t)
	b := startBroker(t, s.URL())
	const rounds = 25
	ctx := context.Background()
	for i := range rounds {
		if err := b.Subscribe(ctx, fmt.Sprintf("old-%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{}
	for i := range rounds {
		var wg sync.WaitGroup
		wg.Add(3)
		go func() { defer wg.Done(); b.replace(errors.New("test: replaced")) }()
		go func() {
			defer wg.Done()
			if err := b.Unsubscribe(ctx, fmt.Sprintf("old-%d", i)); err != nil {
				t.Errorf("Unsubscribe: %v", err)
			}
		}()
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if err := b.Subscribe(ctx, fmt.Sprintf("new-%d", i)); err != nil {
				t.Errorf("Subscribe: %v", err)
			}
		}()
		wg.Wait()
		want = append(want, fmt.Sprintf("wsplug:new-%d", i))
	}
	slices.Sort(want)
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := channels(t, s)
		if slices.Equal(got, want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Redis has %d channels %q, want %q", len(got), got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.mu.Lock()
	topics := make([]string, 0, len(b.topics))
	for ch := range b.topics {
		topics = append(topics, ch)
	}
	b.mu.Unlock()
	slices.Sort(topics)
	if !slices.Equal(topics, want) {
		t.Errorf("the broker wants %q, Redis converged on %q", topics, want)
	}
}
