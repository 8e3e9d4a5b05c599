package broadcast_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsplug/wsplug/broadcast"
	"github.com/wsplug/wsplug/wscore"
)

// memConn is an in-memory server-side connection for fan-out benchmarks
// beyond the open-file limit: reads block until Close (the client sends
// nothing), writes are counted and discarded, as a socket with a fast reader
// would take them.
type memConn struct {
	closed chan struct{}
	once   sync.Once
	sink   *deliveries
}

// deliveries counts data frames written to every memConn of a benchmark and
// signals when a given total is reached.
type deliveries struct {
	frameLen int // the length of one broadcast frame
	n        atomic.Int64
	target   atomic.Int64
	reached  chan struct{}
}

func (d *deliveries) expect(total int64) { d.target.Store(total) }

func (c *memConn) Read([]byte) (int, error) {
	<-c.closed
	return 0, io.EOF
}

func (c *memConn) Write(p []byte) (int, error) {
	select {
	case <-c.closed:
		return 0, net.ErrClosed
	default:
	}
	if len(p) == c.sink.frameLen {
		if c.sink.n.Add(1) == c.sink.target.Load() {
			c.sink.reached <- struct{}{}
		}
	}
	return len(p), nil
}

func (c *memConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return nil
}

var memAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}

func (c *memConn) LocalAddr() net.Addr              { return memAddr }
func (c *memConn) RemoteAddr() net.Addr             { return memAddr }
func (c *memConn) SetDeadline(time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }

// benchJoin joins every connection to the benchmark's topic.
type benchJoin struct {
	wscore.BaseServerProtocol
	hub *broadcast.Hub
}

func (p *benchJoin) OnOpen(c *wscore.Conn) { p.hub.Join(c, "bench") }

func upgradeRequest() *wscore.HandshakeRequest {
	return &wscore.HandshakeRequest{
		Method: "GET", RequestURI: "/", ProtoMajor: 1, ProtoMinor: 1, Host: "bench.test",
		RemoteAddr: memAddr.String(),
		Header: http.Header{
			"Upgrade":               {"websocket"},
			"Connection":            {"Upgrade"},
			"Sec-Websocket-Key":     {"dGhlIHNhbXBsZSBub25jZQ=="},
			"Sec-Websocket-Version": {"13"},
		},
	}
}

// BenchmarkFanOut publishes one message to 10,000 local connections (served
// by the engine on in-memory connections) and waits until every one has
// written it. ns/recipient and allocs/recipient are per connection reached;
// the time includes the hub's queueing, the drain goroutines and the engine's
// write path, not the kernel's.
func BenchmarkFanOut(b *testing.B) {
	for _, size := range []int{64, 1024} {
		b.Run("10000conns/"+strconv.Itoa(size)+"B", func(b *testing.B) { benchFanOut(b, 10000, size) })
	}
}

func benchFanOut(b *testing.B, conns, size int) {
	hub := broadcast.MustNewHub(broadcast.HubOptions{UnsubscribeDelay: -1})
	defer hub.Close()
	srv := wscore.MustNewServer(hub.Protocol(func() wscore.ServerProtocol { return &benchJoin{hub: hub} }), wscore.Options{})
	payload := make([]byte, size)
	for i := range payload {
		payload[i] = 'a' + byte(i%26)
	}
	frameLen := size + 2
	if size > 125 {
		frameLen = size + 4
	}
	sink := &deliveries{frameLen: frameLen, reached: make(chan struct{}, 1)}
	mcs := make([]*memConn, conns)
	var served sync.WaitGroup
	for i := range mcs {
		mcs[i] = &memConn{closed: make(chan struct{}), sink: sink}
		served.Add(1)
		go func() {
			defer served.Done()
			srv.ServeConn(mcs[i], nil, upgradeRequest())
		}()
	}
	defer func() {
		for _, c := range mcs {
			c.Close()
		}
		served.Wait()
	}()
	for deadline := time.Now().Add(time.Minute); hub.Members("bench") < conns; {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d connections joined", hub.Members("bench"), conns)
		}
		time.Sleep(time.Millisecond)
	}
	ctx := context.Background()
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sink.expect(int64(i+1) * int64(conns))
		if err := hub.Publish(ctx, "bench", payload, false); err != nil {
			b.Fatal(err)
		}
		select {
		case <-sink.reached:
		case <-time.After(time.Minute):
			b.Fatalf("message %d reached %d of %d connections", i, sink.n.Load()-int64(i)*int64(conns), conns)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&ms1)
	recipients := float64(b.N) * float64(conns)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/recipients, "ns/recipient")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/recipients, "allocs/recipient")
	b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/recipients, "B/recipient")
}
