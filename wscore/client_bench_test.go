package wscore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// benchClient hands echoes to the benchmark loop.
type benchClient struct {
	BaseClientProtocol
	got chan int
}

func (b *benchClient) OnMessage(c *Conn, payload []byte, isBinary bool) { b.got <- len(payload) }

// BenchmarkClientRoundTrip measures one message to a wscore echo server and
// back, with our client and with gorilla's for comparison (same server).
func BenchmarkClientRoundTrip(b *testing.B) {
	ts := startServer(b, Options{})
	for _, size := range []int{128, 16 << 10, 1 << 20} {
		msg := clientPayload(size, true)
		b.Run(fmt.Sprintf("wscore/%d", size), func(b *testing.B) {
			p := &benchClient{got: make(chan int, 1)}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, err := Dial(ctx, ts.URL, func() ClientProtocol { return p }, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer func() { c.Close(); <-c.Done() }()
			b.SetBytes(int64(2 * size))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := c.SendMessage(msg, true); err != nil {
					b.Fatal(err)
				}
				if n := <-p.got; n != size {
					b.Fatalf("echo of %d bytes", n)
				}
			}
		})
		b.Run(fmt.Sprintf("gorilla/%d", size), func(b *testing.B) {
			c, _, err := websocket.DefaultDialer.Dial(ts.URL, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			b.SetBytes(int64(2 * size))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := c.WriteMessage(websocket.BinaryMessage, msg); err != nil {
					b.Fatal(err)
				}
				if _, got, err := c.ReadMessage(); err != nil || len(got) != size {
					b.Fatalf("echo: %d bytes, %v", len(got), err)
				}
			}
		})
	}
}
