package wscore

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Micro-benchmarks of the engine's hot paths, with -benchmem:
//
//	go test ./wscore -run '^$' -bench . -benchmem
//
// The target is no allocation per message in the read and write paths beyond
// the payload handed to OnMessage: BenchmarkReadMessage shows 1 alloc/op (that
// payload), the write benchmarks 0. (Compression has its own benchmarks.)

var benchSizes = []int{16, 1024, 64 << 10}

// loopConn is an in-memory net.Conn whose reads serve chunk over and over
// (chunk holds whole frames, so frame boundaries survive the wrap) until left
// bytes have been read, then io.EOF. Writes are discarded.
type loopConn struct {
	chunk []byte
	pos   int
	left  int
}

func (l *loopConn) Read(p []byte) (int, error) {
	if l.left == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), l.left)], l.chunk[l.pos:])
	l.pos += n
	if l.pos == len(l.chunk) {
		l.pos = 0
	}
	l.left -= n
	return n, nil
}

func (l *loopConn) Write(p []byte) (int, error)      { return len(p), nil }
func (l *loopConn) Close() error                     { return nil }
func (l *loopConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (l *loopConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (l *loopConn) SetDeadline(time.Time) error      { return nil }
func (l *loopConn) SetReadDeadline(time.Time) error  { return nil }
func (l *loopConn) SetWriteDeadline(time.Time) error { return nil }

// sinkConn is a net.Conn whose peer discards everything: the write path only.
type sinkConn struct{ loopConn }

// recordingConn is a loopConn that counts its writes and records what they
// wrote (unless discard). Made by newGatedConn, its writes block until the
// gate opens, and the first write closes started when it begins.
type recordingConn struct {
	loopConn
	started chan struct{}
	gate    chan struct{} // nil: writes go through at once
	once    sync.Once
	mu      sync.Mutex
	wrote   bytes.Buffer
	writes  int
	discard bool // count only (benchmarks)
}

func newGatedConn() *recordingConn {
	return &recordingConn{started: make(chan struct{}), gate: make(chan struct{})}
}

func (r *recordingConn) Write(p []byte) (int, error) {
	if r.gate != nil {
		r.once.Do(func() { close(r.started) })
		<-r.gate
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes++
	if r.discard {
		return len(p), nil
	}
	return r.wrote.Write(p)
}

func (r *recordingConn) writeCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.writes
}

// recordedFrame is a frame a recordingConn recorded.
type recordedFrame struct {
	op      byte
	fin     bool
	payload []byte
}

// String is the frame as "op:fin:len", e.g. "1:F:5" ("-" when not final).
func (f recordedFrame) String() string {
	fin := "-"
	if f.fin {
		fin = "F"
	}
	return fmt.Sprintf("%d:%s:%d", f.op, fin, len(f.payload))
}

// decode parses what was written as frames; it fails the test when the bytes
// are not whole frames.
func (r *recordingConn) decode(t *testing.T) []recordedFrame {
	t.Helper()
	r.mu.Lock()
	b := append([]byte(nil), r.wrote.Bytes()...)
	r.mu.Unlock()
	var out []recordedFrame
	for len(b) > 0 {
		h, n, err := parseFrameHeader(b)
		if err != nil || int64(len(b)-n) < h.length {
			t.Fatalf("written bytes do not parse as whole frames: %v", err)
		}
		out = append(out, recordedFrame{h.opcode, h.fin, b[n : n+int(h.length)]})
		b = b[n+int(h.length):]
	}
	return out
}

// frames is decode's frames as "op:fin:len" items.
func (r *recordingConn) frames(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, f := range r.decode(t) {
		out = append(out, f.String())
	}
	return out
}

// msgCounter counts delivered messages and drops them.
type msgCounter struct {
	BaseServerProtocol
	n     int
	bytes int
}

func (m *msgCounter) OnMessage(_ *Conn, p []byte, _ bool) { m.n++; m.bytes += len(p) }

// benchPayload is n bytes: random for binary, ASCII-heavy text with some
// two- and three-byte characters for text (valid UTF-8, cut on a boundary).
func benchPayload(n int, text bool) []byte {
	r := rand.New(rand.NewPCG(uint64(n), 7))
	if !text {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	words := []string{"websocket", "frame", "κόσμε", "message", "日本語", "payload", "echo", "42"}
	var sb strings.Builder
	for sb.Len() < n {
		sb.WriteString(words[r.IntN(len(words))])
		sb.WriteByte(' ')
	}
	b := []byte(sb.String())[:n]
	for len(b) > 0 && !utf8.Valid(b) { // a character cut at the end
		b = b[:len(b)-1]
	}
	for len(b) < n {
		b = append(b, 'x')
	}
	return b
}

// clientFrames encodes copies of one masked client message until the chunk
// is at least 64 KiB (so reads see several frames), and returns it with the
// size of one frame.
func clientFrames(payload []byte, text bool) (chunk []byte, frameLen int) {
	op := byte(opBinary)
	if text {
		op = opText
	}
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	frame := appendFrameHeader(nil, true, 0, op, len(payload), true, key)
	start := len(frame)
	frame = append(frame, payload...)
	maskBytes(key, 0, frame[start:])
	for len(chunk) < 64<<10 {
		chunk = append(chunk, frame...)
	}
	return chunk, len(frame)
}

func benchConfig() *config {
	cfg := (&Options{}).serverConfig()
	cfg.logger = discardLogger
	return &cfg
}

// BenchmarkReadMessage is the read path: a server connection reads masked
// client frames from memory, unmasks, validates text and delivers each
// message to OnMessage. The one allocation per message is the payload the
// application receives (it owns it).
func BenchmarkReadMessage(b *testing.B) {
	for _, kind := range []string{"binary", "text"} {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("%s/size=%d", kind, n), func(b *testing.B) {
				payload := benchPayload(n, kind == "text")
				chunk, frameLen := clientFrames(payload, kind == "text")
				h := &msgCounter{}
				c := newConn(&loopConn{chunk: chunk, left: b.N * frameLen}, benchConfig(), h, false)
				b.SetBytes(int64(n))
				b.ReportAllocs()
				b.ResetTimer()
				err := c.readLoop()
				b.StopTimer()
				if err != io.EOF || h.n != b.N || h.bytes != b.N*n {
					b.Fatalf("read %d messages (%d bytes) of %d, ended with %v", h.n, h.bytes, b.N, err)
				}
			})
		}
	}
}

// BenchmarkEchoQueued is an echo's whole path as the fast servers do it: read
// a client frame, answer it with QueueMessage (answers to frames read
// together share one write) and release the payload (the next message is
// read into it): no allocation per message.
func BenchmarkEchoQueued(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("size=%d", n), func(b *testing.B) {
			payload := benchPayload(n, false)
			chunk, frameLen := clientFrames(payload, false)
			cc := &recordingConn{loopConn: loopConn{chunk: chunk, left: b.N * frameLen}}
			cc.discard = true
			c := newConn(cc, benchConfig(), queueEcho{}, false)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			b.ResetTimer()
			err := c.readLoop()
			b.StopTimer()
			if err != io.EOF {
				b.Fatalf("ended with %v", err)
			}
			b.ReportMetric(float64(cc.writes)/float64(b.N), "writes/op")
		})
	}
}

// BenchmarkWriteFrame is the writer alone: one data frame queued and flushed
// to a socket that swallows it.
func BenchmarkWriteFrame(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("size=%d", n), func(b *testing.B) {
			c := newConn(&sinkConn{}, benchConfig(), &BaseServerProtocol{}, false)
			payload := benchPayload(n, false)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.w.writeFrame(kindData, true, 0, opBinary, payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSendMessage is the public send path (framing, group commit,
// counters) into a socket that swallows it; "parallel" has every P sending on
// the same connection, so writes are coalesced.
func BenchmarkSendMessage(b *testing.B) {
	for _, n := range benchSizes {
		payload := benchPayload(n, false)
		b.Run(fmt.Sprintf("size=%d", n), func(b *testing.B) {
			c := newConn(&sinkConn{}, benchConfig(), &BaseServerProtocol{}, false)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.SendMessage(payload, true); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("parallel/size=%d", n), func(b *testing.B) {
			c := newConn(&sinkConn{}, benchConfig(), &BaseServerProtocol{}, false)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := c.SendMessage(payload, true); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkSendMessageClient is a client connection's send path: every frame
// masked with a fresh key.
func BenchmarkSendMessageClient(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("size=%d", n), func(b *testing.B) {
			cfg := benchConfig()
			cfg.maskOutgoing = true
			c := newConn(&sinkConn{}, cfg, &BaseServerProtocol{}, true)
			payload := benchPayload(n, false)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.SendMessage(payload, true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSendMessageTCP sends over a real loopback socket whose peer reads
// and discards: the write path with its system calls.
func BenchmarkSendMessageTCP(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("size=%d", n), func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			defer ln.Close()
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				peer, err := ln.Accept()
				if err != nil {
					return
				}
				io.Copy(io.Discard, peer)
				peer.Close()
			}()
			nc, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			c := newConn(nc, benchConfig(), &BaseServerProtocol{}, false)
			payload := benchPayload(n, false)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.SendMessage(payload, true); err != nil {
					b.Fatal(err)
				}
			}
			nc.Close()
			wg.Wait()
		})
	}
}

// BenchmarkPreparedBroadcast sends one message to N connections: encoded
// once, shared by all. "prepared" builds the message in every iteration (as a
// broadcast does); "loop" is the same fan-out with SendMessage, for scale.
func BenchmarkPreparedBroadcast(b *testing.B) {
	payload := benchPayload(1024, true)
	for _, n := range []int{10, 1000} {
		conns := make([]*Conn, n)
		for i := range conns {
			conns[i] = newConn(&sinkConn{}, benchConfig(), &BaseServerProtocol{}, false)
		}
		b.Run(fmt.Sprintf("prepared/conns=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				pm := NewPreparedMessage(payload, false)
				for _, c := range conns {
					if err := c.SendPreparedMessage(pm); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/conn")
		})
		b.Run(fmt.Sprintf("loop/conns=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, c := range conns {
					if err := c.SendMessage(payload, false); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/conn")
		})
	}
}

// BenchmarkMask is the XOR of a payload with the masking key.
func BenchmarkMask(b *testing.B) {
	key := [4]byte{1, 2, 3, 4}
	for _, n := range benchSizes {
		for _, pos := range []int{0, 3} {
			b.Run(fmt.Sprintf("size=%d/pos=%d", n, pos), func(b *testing.B) {
				p := benchPayload(n, false)
				b.SetBytes(int64(n))
				b.ReportAllocs()
				for b.Loop() {
					maskBytes(key, pos, p)
				}
			})
		}
	}
}

// BenchmarkUTF8 is the incremental validator on whole messages and on a
// message arriving in 1000-byte pieces (characters cut between pieces).
func BenchmarkUTF8(b *testing.B) {
	ascii := bytes.Repeat([]byte("plain ascii text, "), 64<<10/18+1)[:64<<10]
	mixed := benchPayload(64<<10, true)
	for _, tc := range []struct {
		name string
		p    []byte
	}{{"ascii", ascii}, {"mixed", mixed}} {
		for _, n := range []int{1024, 64 << 10} {
			p := tc.p[:n]
			for len(p) > 0 && p[len(p)-1] >= 0x80 { // end on a whole character
				p = p[:len(p)-1]
			}
			b.Run(fmt.Sprintf("%s/size=%d", tc.name, n), func(b *testing.B) {
				b.SetBytes(int64(len(p)))
				b.ReportAllocs()
				for b.Loop() {
					var v utf8Validator
					if !v.write(p) || !v.complete() {
						b.Fatal("invalid")
					}
				}
			})
			b.Run(fmt.Sprintf("%s/pieces/size=%d", tc.name, n), func(b *testing.B) {
				b.SetBytes(int64(len(p)))
				b.ReportAllocs()
				for b.Loop() {
					var v utf8Validator
					for rest := p; len(rest) > 0; {
						k := min(len(rest), 1000)
						if !v.write(rest[:k]) {
							b.Fatal("invalid")
						}
						rest = rest[k:]
					}
					if !v.complete() {
						b.Fatal("incomplete")
					}
				}
			})
		}
	}
}

// BenchmarkFrameHeader is parsing and encoding a masked header.
func BenchmarkFrameHeader(b *testing.B) {
	key := [4]byte{1, 2, 3, 4}
	for _, n := range []int{100, 1000, 100000} {
		hdr := appendFrameHeader(nil, true, 0, opBinary, n, true, key)
		b.Run(fmt.Sprintf("parse/length=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := parseFrameHeader(hdr); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("append/length=%d", n), func(b *testing.B) {
			var buf [maxFrameHeaderSize]byte
			b.ReportAllocs()
			for b.Loop() {
				appendFrameHeader(buf[:0], true, 0, opBinary, n, true, key)
			}
		})
	}
}
