package redisbroker

import (
	"context"

	"testing"

	"go.uber.org/goleak"

	"github.com/wsplug/wsplug/broadcast"
	"github.com/wsplug/wsplug/broadcast/brokertest"
	"github.com/wsplug/wsplug/broadcast/redisbroker/redistest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func harness(s *redistest.Server, opts Options) brokertest.Harness {
	return brokertest.Harness{
		NewBroker: func(t testing.TB) broadcast.Broker {
			b, err := Dial(s.URL(), opts)
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
		Fault: func(t testing.TB) { s.KillPubSub(t) },
	}
}

func TestConformance(t *testing.T) {
	s := redistest.Start(t)
	brokertest.Run(t, harness(s, Options{}))
}

func TestConformanceSharded(t *testing.T) {
	s := redistest.Start(t)
	brokertest.Run(t, harness(s, Options{Sharded: true}))
}

// A full outage: the server goes away and comes back on the same port.
func TestConformanceRestart(t *testing.T) {
	s := redistest.Start(t)
	h := harness(s, Options{})
	h.Fault = func(testing.TB) { s.Restart() }
	t.Run("Recovery", func(t *testing.T) {
		// Only the recovery check is of interest here.
		brokertest.RunRecovery(t, h)
	})
}

// A real fault under two Hubs: CLIENT KILL TYPE pubsub, then a full restart.
func TestHubRecovery(t *testing.T) {
	s := redistest.Start(t)
	brokertest.RunHubRecovery(t, harness(s, Options{}))
}

func TestHubRecoveryRestart(t *testing.T) {
	s := redistest.Start(t)
	h := harness(s, Options{})
	h.Fault = func(testing.TB) { s.Restart() }
	brokertest.RunHubRecovery(t, h)
}

func TestNodes(t *testing.T) {
	s := redistest.Start(t)
	brokertest.RunNodes(t, harness(s, Options{}).NewBroker, brokertest.TotalOrder)
}

func TestNodesSharded(t *testing.T) {
	s := redistest.Start(t)
	brokertest.RunNodes(t, harness(s, Options{Sharded: true}).NewBroker, brokertest.TotalOrder)
}

// The sharded mode really uses sharded channels, and the prefix names them.
func TestShardedChannels(t *testing.T) {
	s := redistest.Start(t)
	for _, sharded := range []bool{false, true} {
		b, err := Dial(s.URL(), Options{Sharded: sharded, Prefix: "app:"})
		if err != nil {
			t.Fatal(err)
		}
		rec := brokertest.NewRecorder()
		if err := b.Start(rec.Handler()); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if err := b.Subscribe(ctx, "room"); err != nil {
			t.Fatal(err)
		}
		c := s.Client()
		plain, _ := c.Do(ctx, "PUBSUB", "CHANNELS").StringSlice()
		shard, _ := c.Do(ctx, "PUBSUB", "SHARDCHANNELS").StringSlice()
		c.Close()
		b.Close()
		want, other := plain, shard
		if sharded {
			want, other = shard, plain
		}
		if len(want) != 1 || want[0] != "app:room" || len(other) != 0 {
			t.Errorf("sharded=%v: PUBSUB CHANNELS %q, SHARDCHANNELS %q", sharded, plain, shard)
		}
	}
}

func TestOptionErrors(t *testing.T) {
	if _, err := Dial("http://nope", Options{}); err == nil {
		t.Error("Dial accepted a URL that is not redis://")
	}
	if _, err := New(nil, Options{}); err == nil {
		t.Error("New accepted a nil client")
	}
	b, err := Dial("redis://127.0.0.1:1", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Publish(context.Background(), "x", nil); err == nil {
		t.Error("Publish before Start did not fail")
	}
}
