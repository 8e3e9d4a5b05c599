package wscore

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/flate"
	"github.com/wsplug/wsplug/internal/wstest"
)

// benchText is compressible text.
func benchText(n int) []byte { return windowProbe(42, n) }

// benchStream returns consecutive, different messages of n bytes cut from a
// long compressible text, so context takeover sees realistic (not identical)
// messages.
func benchStream(n int) func() []byte {
	text := windowProbe(43, 1<<20)
	pos := 0
	return func() []byte {
		if pos+n > len(text) {
			pos = 0
		}
		pos += n
		return text[pos-n : pos]
	}
}

// BenchmarkDeflateCompress measures the engine's compression of one message
// (no I/O): a connection's own compressor with context takeover, or a pooled
// one without.
func BenchmarkDeflateCompress(b *testing.B) {
	for _, bits := range []int{15, 9} {
		for _, takeover := range []bool{true, false} {
			for _, n := range []int{128, 1024, 16 << 10} {
				b.Run(fmt.Sprintf("bits=%d/takeover=%v/size=%d", bits, takeover, n), func(b *testing.B) {
					next := benchStream(n)
					d := newDeflateConn(&DeflateResponse{ServerNoContextTakeover: !takeover, ServerMaxWindowBits: bits}, false)
					defer d.release()
					bp := getScratch()
					b.SetBytes(int64(n))
					b.ReportAllocs()
					var wire int
					for i := 0; i < b.N; i++ {
						var z []byte
						if takeover {
							if d.cp == nil {
								d.cp = getCompressor(d.sendBits)
							}
							z, _ = d.cp.compress((*bp)[:0], next())
						} else {
							cp := getCompressor(d.sendBits)
							z, _ = cp.compress((*bp)[:0], next())
							putCompressor(cp)
						}
						*bp = z[:0]
						wire += len(z)
					}
					b.ReportMetric(float64(wire)/float64(b.N)/float64(n), "wire/raw")
				})
			}
		}
	}
}

// BenchmarkDeflateInflate measures the engine's decompression of one message
// (no I/O). The only allocation is the payload handed to the application.
func BenchmarkDeflateInflate(b *testing.B) {
	for _, takeover := range []bool{true, false} {
		for _, n := range []int{128, 1024, 16 << 10, 256 << 10} {
			b.Run(fmt.Sprintf("takeover=%v/size=%d", takeover, n), func(b *testing.B) {
				var buf bytes.Buffer
				fw, _ := flate.NewWriter(&buf, flate.BestSpeed)
				fw.Write(benchText(n))
				fw.Flush()
				z := bytes.TrimSuffix(buf.Bytes(), []byte{0, 0, 0xff, 0xff})
				in := make([]byte, len(z), len(z)+len(inflateTrailer))
				cfg := (&Options{}).serverConfig()
				c := &Conn{cfg: &cfg, deflate: newDeflateConn(&DeflateResponse{ClientNoContextTakeover: !takeover}, false)}
				b.SetBytes(int64(n))
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					copy(in, z)
					out, err := c.inflate(in[:len(z)], true)
					if err != nil || len(out) != n {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// discardConn is a net.Conn that swallows writes, for the send path.
type discardConn struct{ memConn }

// BenchmarkDeflateSendMessage measures SendMessage with compression through
// the whole write path (framing, write buffer) into a discarding socket.
func BenchmarkDeflateSendMessage(b *testing.B) {
	for _, takeover := range []bool{true, false} {
		for _, n := range []int{128, 1024, 16 << 10} {
			b.Run(fmt.Sprintf("takeover=%v/size=%d", takeover, n), func(b *testing.B) {
				cfg := (&Options{}).serverConfig()
				cfg.logger = discardLogger
				c := newConn(&discardConn{memConn{r: bytes.NewReader(nil)}}, &cfg, &BaseServerProtocol{}, false)
				c.deflate = newDeflateConn(&DeflateResponse{ServerNoContextTakeover: !takeover}, false)
				defer c.deflate.release()
				next := benchStream(n)
				b.SetBytes(int64(n))
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					if err := c.SendMessage(next(), false); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// repeatReader serves the same bytes forever.
type repeatReader struct {
	b   []byte
	pos int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k := copy(p[n:], r.b[r.pos:])
		n += k
		r.pos = (r.pos + k) % len(r.b)
	}
	return n, nil
}

// countingProtocol counts messages and stops the benchmark's read loop.
type countingProtocol struct {
	BaseServerProtocol
	n, stop int
	conn    net.Conn
}

func (p *countingProtocol) OnMessage(c *Conn, payload []byte, isBinary bool) {
	p.n++
	if p.n == p.stop {
		c.conn.Close()
	}
}

type stoppableConn struct {
	memConn
	r      io.Reader
	closed bool
}

func (s *stoppableConn) Read(p []byte) (int, error) {
	if s.closed {
		return 0, net.ErrClosed
	}
	return s.r.Read(p)
}
func (s *stoppableConn) Close() error { s.closed = true; return nil }

// BenchmarkDeflateReadMessage measures the read path of compressed text
// messages: frame parsing, unmasking, inflating, UTF-8 validation, delivery.
// Allocations per message: the payload handed to OnMessage.
func BenchmarkDeflateReadMessage(b *testing.B) {
	for _, takeover := range []bool{true, false} {
		for _, n := range []int{128, 1024, 16 << 10} {
			b.Run(fmt.Sprintf("takeover=%v/size=%d", takeover, n), func(b *testing.B) {
				var buf bytes.Buffer
				fw, _ := flate.NewWriter(&buf, flate.BestSpeed)
				fw.Write(benchText(n))
				fw.Flush()
				z := bytes.TrimSuffix(buf.Bytes(), []byte{0, 0, 0xff, 0xff})
				frame := (&wstest.RawClient{}).EncodeFrame(wstest.Frame{Fin: true, Rsv: 4, Op: wstest.OpText, Payload: z})
				cfg := (&Options{}).serverConfig()
				cfg.logger = discardLogger
				p := &countingProtocol{stop: b.N}
				sc := &stoppableConn{r: &repeatReader{b: frame}}
				c := newConn(sc, &cfg, p, false)
				c.deflate = newDeflateConn(&DeflateResponse{ClientNoContextTakeover: !takeover}, false)
				b.SetBytes(int64(n))
				b.ReportAllocs()
				b.ResetTimer()
				c.readLoop()
				b.StopTimer()
				if p.n < b.N {
					b.Fatalf("%d messages, want %d", p.n, b.N)
				}
				c.releaseBuffers()
			})
		}
	}
}

// BenchmarkDeflateConnMemory reports the heap each open connection holds
// after one compressed message each way, with context takeover in both
// directions, without it, and without compression (the baseline). The
// clients are lean raw sockets, so the figure is the server side's.
func BenchmarkDeflateConnMemory(b *testing.B) {
	const conns = 100
	variants := []struct {
		name   string
		accept func([]DeflateOffer) *DeflateResponse
		offer  string
	}{
		{"uncompressed", nil, ""},
		{"takeover", DefaultDeflateAccept, "permessage-deflate"},
		{"takeover/windows=9", DefaultDeflateAccept, "permessage-deflate; server_max_window_bits=9; client_max_window_bits=9"},
		{"no-takeover", DefaultDeflateAccept, "permessage-deflate; server_no_context_takeover; client_no_context_takeover"},
	}
	msg := benchText(2000)
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			ts := startServer(b, Options{PerMessageCompressionAccept: v.accept})
			var total float64
			for i := 0; i < b.N; i++ {
				clients := make([]net.Conn, 0, conns)
				before := heapInUse()
				for j := 0; j < conns; j++ {
					clients = append(clients, leanDeflateClient(b, ts.Addr, v.offer, msg))
				}
				after := heapInUse()
				total += float64(after-before) / conns
				for _, c := range clients {
					c.Close()
				}
				for j := 0; j < conns; j++ {
					ts.nextClose(b)
				}
			}
			b.ReportMetric(total/float64(b.N), "B/conn")
		})
	}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// leanDeflateClient opens a connection with the given offer, sends msg (as a
// compressed message when the server accepted) and reads the echo, holding
// nothing but the socket afterwards.
func leanDeflateClient(b *testing.B, addr, offer string, msg []byte) net.Conn {
	b.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		b.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	req := "GET / HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + wstest.NewKey() + "\r\nSec-WebSocket-Version: 13\r\n"
	if offer != "" {
		req += "Sec-WebSocket-Extensions: " + offer + "\r\n"
	}
	if _, err := io.WriteString(c, req+"\r\n"); err != nil {
		b.Fatal(err)
	}
	br := bufio.NewReaderSize(c, 512)
	head := ""
	for !strings.HasSuffix(head, "\r\n\r\n") {
		line, err := br.ReadString('\n')
		if err != nil {
			b.Fatal(err)
		}
		head += line
	}
	compressed := strings.Contains(head, "permessage-deflate")
	f := wstest.Frame{Fin: true, Op: wstest.OpText, Payload: msg}
	if compressed {
		var buf bytes.Buffer
		fw, _ := flate.NewWriterWindow(&buf, 512)
		fw.Write(msg)
		fw.Flush()
		f.Payload, f.Rsv = bytes.TrimSuffix(buf.Bytes(), []byte{0, 0, 0xff, 0xff}), 4
	}
	if _, err := c.Write((&wstest.RawClient{}).EncodeFrame(f)); err != nil {
		b.Fatal(err)
	}
	var hdr [4]byte
	if _, err := io.ReadFull(br, hdr[:2]); err != nil {
		b.Fatal(err)
	}
	n := int(hdr[1] & 0x7f)
	if n == 126 {
		io.ReadFull(br, hdr[2:4])
		n = int(hdr[2])<<8 | int(hdr[3])
	}
	if _, err := io.CopyN(io.Discard, br, int64(n)); err != nil {
		b.Fatal(err)
	}
	c.SetDeadline(time.Time{})
	return c
}
