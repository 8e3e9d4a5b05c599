package wscore

import (
	"errors"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// NextWriter streams a 64 MiB message as fragments: the sender's heap grows by
// about one frame, not by the message.
func TestNextWriterStreamsLargeMessage(t *testing.T) {
	const total = 64 << 20
	result := make(chan error, 1)
	heapGrowth := make(chan uint64, 1)
	ts, _ := startActing(t, Options{AutoFragmentSize: 64 << 10}, func(c *Conn, p []byte) {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		w, err := c.NextWriter(true)
		if err != nil {
			result <- err
			return
		}
		chunk := make([]byte, 8192)
		var peak uint64
		for sent := 0; sent < total; sent += len(chunk) {
			for i := range chunk {
				chunk[i] = byte(sent + i)
			}
			if _, err := w.Write(chunk); err != nil {
				result <- err
				return
			}
			if sent%(8<<20) == 0 {
				runtime.ReadMemStats(&after)
				if after.HeapAlloc > before.HeapAlloc && after.HeapAlloc-before.HeapAlloc > peak {
					peak = after.HeapAlloc - before.HeapAlloc
				}
			}
		}
		heapGrowth <- peak
		result <- w.Close()
	})
	client, _, err := websocket.DefaultDialer.Dial(ts.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	client.WriteMessage(websocket.TextMessage, []byte("send it"))
	client.SetReadDeadline(time.Now().Add(60 * time.Second))
	typ, r, err := client.NextReader()
	if err != nil || typ != websocket.BinaryMessage {
		t.Fatalf("%d %v", typ, err)
	}
	// Read it as a stream too, checking every byte.
	buf := make([]byte, 1<<16)
	n := 0
	for {
		k, err := r.Read(buf)
		for i := 0; i < k; i++ {
			if buf[i] != byte(n+i) {
				t.Fatalf("byte %d differs", n+i)
			}
		}
		n += k
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if n != total {
		t.Fatalf("received %d bytes, want %d", n, total)
	}
	if err := <-result; err != nil {
		t.Fatal(err)
	}
	if g := <-heapGrowth; g > 8<<20 {
		t.Errorf("heap grew by %d bytes while streaming 64 MiB", g)
	}
}

// Other messages wait for the stream; pings and pongs do not.
func TestNextWriterExcludesOtherMessages(t *testing.T) {
	t.Parallel()
	order := make(chan string, 4)
	ts, _ := startActing(t, Options{AutoFragmentSize: 4}, func(c *Conn, p []byte) {
		w, _ := c.NextWriter(false)
		w.Write([]byte("streamed "))
		done := make(chan struct{})
		go func() {
			c.SendMessage([]byte("after"), false) // must wait for Close
			close(done)
		}()
		time.Sleep(50 * time.Millisecond)
		w.Write([]byte("message"))
		w.Close()
		<-done
		if _, err := w.Write([]byte("x")); !errors.Is(err, errWriterClosed) {
			order <- "write after close: " + err.Error()
		}
		order <- "done"
	})
	client, _, err := websocket.DefaultDialer.Dial(ts.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	client.WriteMessage(websocket.TextMessage, []byte("go"))
	client.SetReadDeadline(time.Now().Add(5 * time.Second))
	for _, want := range []string{"streamed message", "after"} {
		_, got, err := client.ReadMessage()
		if err != nil || string(got) != want {
			t.Fatalf("got %q %v, want %q", got, err, want)
		}
	}
	if s := <-order; s != "done" {
		t.Fatal(s)
	}
}
