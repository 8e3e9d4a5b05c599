package wscore

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// settle gives goroutines started just before the time to reach their wait in
// the writer.
func settle() { time.Sleep(50 * time.Millisecond) }

// A large message that waits for a write in progress must re-check the
// writer's state when it wakes: a close frame queued meanwhile is the last
// frame, and a fragmented message that started meanwhile may not be split by
// another message.
func TestWriterOrderAfterWaiting(t *testing.T) {
	large := make([]byte, DefaultWriteBufferSize+1)

	t.Run("nothing after the close frame", func(t *testing.T) {
		g := newGatedConn()
		c := newConn(g, benchConfig(), &BaseServerProtocol{}, false)
		errs := make(chan error, 3)
		go func() { errs <- c.SendMessage([]byte("first"), false) }()
		<-g.started
		go func() { errs <- c.SendMessage(large, true) }() // waits for the socket
		settle()
		go func() { errs <- c.SendClose(CloseNormal, "") }()
		settle()
		close(g.gate)
		var closed int
		for range 3 {
			if err := <-errs; errors.Is(err, ErrClosed) {
				closed++
			} else if err != nil {
				t.Fatal(err)
			}
		}
		got := strings.Join(g.frames(t), " ")
		// Either the large message made it before the close frame (it was
		// first in line) or it was refused; never after the close.
		if got != "1:F:5 8:F:2" && got != "1:F:5 2:F:4097 8:F:2" {
			t.Fatalf("frames on the wire: %s", got)
		}
		if got == "1:F:5 8:F:2" && closed != 1 {
			t.Fatalf("the large message was not written but %d sends reported ErrClosed", closed)
		}
		if got == "1:F:5 2:F:4097 8:F:2" && closed != 0 {
			t.Fatalf("the large message was written but %d sends reported ErrClosed", closed)
		}
	})

	t.Run("no message inside a fragmented one", func(t *testing.T) {
		g := newGatedConn()
		c := newConn(g, benchConfig(), &BaseServerProtocol{}, false)
		errs := make(chan error, 3)
		go func() { errs <- c.SendMessage([]byte("first"), false) }()
		<-g.started
		go func() { errs <- c.SendMessage(large, true) }()
		settle()
		streamed := make(chan error, 1)
		go func() {
			w, err := c.NextWriter(false)
			if err != nil {
				streamed <- err
				return
			}
			for range 3 {
				if _, err := w.Write(bytes.Repeat([]byte("x"), defaultStreamFrameSize)); err != nil {
					w.Close()
					streamed <- err
					return
				}
			}
			streamed <- w.Close()
		}()
		settle()
		close(g.gate)
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		if err := <-streamed; err != nil {
			t.Fatal(err)
		}
		// The first message, then the large one and the fragmented one in
		// either order: the large one exactly once, the fragmented one as its
		// opener followed by its continuations, nothing inside it.
		frames := g.frames(t)
		if len(frames) == 0 || frames[0] != "1:F:5" {
			t.Fatalf("frames %v, want the first message first", frames)
		}
		var large, openers int
		for i := 1; i < len(frames); i++ {
			switch f := frames[i]; {
			case f == "2:F:4097":
				large++
			case strings.HasPrefix(f, "1:-:"):
				openers++
				for i++; i < len(frames) && strings.HasPrefix(frames[i], "0:-:"); i++ {
				}
				if i == len(frames) || !strings.HasPrefix(frames[i], "0:F:") {
					t.Fatalf("the fragmented message is not its opener followed by its continuations: %v", frames)
				}
			default:
				t.Fatalf("frame %s outside the messages sent, or inside the fragmented one: %v", f, frames)
			}
		}
		if large != 1 || openers != 1 {
			t.Fatalf("%d large messages and %d fragmented ones, want one each: %v", large, openers, frames)
		}
	})
}

// QueueMessage returns before the socket is written when a write is in
// progress, and what it queued goes out with (right after) that write.
func TestQueueMessageRidesTheWriteInProgress(t *testing.T) {
	g := newGatedConn()
	c := newConn(g, benchConfig(), &BaseServerProtocol{}, false)
	first := make(chan error, 1)
	go func() { first <- c.SendMessage([]byte("first"), false) }()
	<-g.started
	for i := range 3 {
		if err := c.QueueMessage(fmt.Appendf(nil, "queued %d", i), false); err != nil {
			t.Fatal(err)
		}
	}
	close(g.gate)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	got := strings.Join(g.frames(t), " ")
	if got != "1:F:5 1:F:8 1:F:8 1:F:8" {
		t.Fatalf("frames: %s", got)
	}
	if n := g.writeCount(); n != 2 {
		t.Errorf("%d writes, want 2 (the first message, then the three queued together)", n)
	}
}

// QueueMessage keeps at most about one write buffer waiting: beyond it the
// caller waits for the write in progress, so memory stays bounded when the
// socket is slow.
func TestQueueMessageBoundsWhatWaits(t *testing.T) {
	g := newGatedConn()
	c := newConn(g, benchConfig(), &BaseServerProtocol{}, false)
	first := make(chan error, 1)
	go func() { first <- c.SendMessage([]byte("first"), false) }()
	<-g.started
	msg := make([]byte, 1000)
	returned := make(chan int, 100)
	go func() {
		for i := range 100 {
			if err := c.QueueMessage(msg, true); err != nil {
				t.Error(err)
			}
			returned <- i
		}
	}()
	settle()
	if n := len(returned); n > DefaultWriteBufferSize/1000+1 {
		t.Fatalf("%d messages queued while the socket was blocked, want about one buffer's worth", n)
	}
	close(g.gate)
	for range 100 {
		select {
		case <-returned:
		case <-time.After(5 * time.Second):
			t.Fatal("QueueMessage did not go on after the socket unblocked")
		}
	}
	// A QueueMessage that returned may have left its batch to the write in
	// progress: the first send's flush takes every batch queued meanwhile
	// along before it returns (one that found no write in progress wrote its
	// own). Only then is everything on the wire.
	select {
	case err := <-first:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first SendMessage did not return")
	}
	if got := len(g.frames(t)); got != 101 {
		t.Fatalf("%d frames written, want 101", got)
	}
}

// After the connection failed QueueMessage reports it, as SendMessage does.
func TestQueueMessageAfterClose(t *testing.T) {
	c := newConn(&sinkConn{}, benchConfig(), &BaseServerProtocol{}, false)
	if err := c.SendClose(CloseNormal, ""); err != nil {
		t.Fatal(err)
	}
	if err := c.QueueMessage([]byte("late"), false); !errors.Is(err, ErrClosed) {
		t.Fatalf("QueueMessage after SendClose: %v, want ErrClosed", err)
	}
	c.w.fail(ErrClosed)
	if err := c.QueueMessage(make([]byte, 10000), true); !errors.Is(err, ErrClosed) {
		t.Fatalf("large QueueMessage after the end: %v, want ErrClosed", err)
	}
}

type queueEcho struct{ BaseServerProtocol }

func (queueEcho) OnMessage(c *Conn, p []byte, isBinary bool) {
	c.QueueMessage(p, isBinary)
	ReleasePayload(p)
}

// Answers queued from OnMessage to messages that arrived together go out in
// one write per maxHeldMessages, in order.
func TestQueueMessageBatchesAnswers(t *testing.T) {
	for _, tc := range []struct{ messages, writes int }{
		{1, 1}, {2, 1}, {10, 1}, {16, 1}, {17, 2}, {20, 2}, {32, 2}, {33, 3},
	} {
		t.Run(fmt.Sprint(tc.messages), func(t *testing.T) {
			var in []byte
			for i := range tc.messages {
				chunk, n := clientFrames(fmt.Appendf(nil, "message %02d", i), true)
				in = append(in, chunk[:n]...)
			}
			cc := &recordingConn{loopConn: loopConn{chunk: in, left: len(in)}}
			c := newConn(cc, benchConfig(), queueEcho{}, false)
			if err := c.readLoop(); !errors.Is(err, io.EOF) {
				t.Fatalf("read loop ended with %v", err)
			}
			if n := cc.writeCount(); n != tc.writes {
				t.Errorf("%d writes for %d answers, want %d", n, tc.messages, tc.writes)
			}
			frames := cc.decode(t)
			if len(frames) != tc.messages {
				t.Fatalf("%d frames written for %d answers", len(frames), tc.messages)
			}
			for i, f := range frames {
				if f.String() != "1:F:10" || string(f.payload) != fmt.Sprintf("message %02d", i) {
					t.Fatalf("answer %d: %s %q", i, f, f.payload)
				}
			}
		})
	}
}
