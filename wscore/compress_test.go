package wscore

import (
	"bytes"
	"fmt"
	"math/rand"
	"runtime"
	"strings"
	"testing"

	"github.com/klauspost/compress/flate"
	"github.com/wsplug/wsplug/internal/wstest"
)

// windowProbe returns data with repeats at many distances: random 48-byte
// chunks, each repeated at distances from 64 bytes to 24 KiB, so a compressor
// finds matches at every distance its window allows.
func windowProbe(seed int64, n int) []byte {
	r := rand.New(rand.NewSource(seed))
	out := make([]byte, 0, n)
	dists := []int{64, 200, 300, 700, 1500, 3000, 6000, 12000, 24000}
	for len(out) < n {
		d := dists[r.Intn(len(dists))]
		if len(out) > d+48 && r.Intn(2) == 0 {
			from := len(out) - d
			out = append(out, out[from:from+48]...)
			continue
		}
		for i := 0; i < 48; i++ {
			out = append(out, byte('a'+r.Intn(26)))
		}
	}
	return out[:n]
}

// TestCompressorHonoursWindow compresses with every window size, with and
// without context takeover, and decodes with wstest.Inflater, which records the
// farthest back-reference: it must stay within 2^bits, and the compressor must
// actually use most of the window (not merely stay far below it).
func TestCompressorHonoursWindow(t *testing.T) {
	for bits := minWindowBits; bits <= maxWindowBits; bits++ {
		for _, takeover := range []bool{true, false} {
			t.Run(fmt.Sprintf("bits=%d/takeover=%v", bits, takeover), func(t *testing.T) {
				cp := getCompressor(bits)
				defer putCompressor(cp)
				var inf wstest.Inflater
				window := 1 << bits
				farthest := 0
				for i := 0; i < 6; i++ {
					msg := windowProbe(int64(i%3), 20000+i*1000) // messages repeat: takeover finds them
					if !takeover {
						cp.fw.Reset(&cp.out)
						inf.Reset()
					}
					z, err := cp.compress(nil, msg)
					if err != nil {
						t.Fatal(err)
					}
					got, err := inf.Message(z)
					if err != nil {
						t.Fatalf("message %d: %v", i, err)
					}
					if !bytes.Equal(got, msg) {
						t.Fatalf("message %d does not round-trip", i)
					}
					if inf.MaxDistance > window {
						t.Fatalf("message %d: back-reference %d bytes back with a %d-byte window", i, inf.MaxDistance, window)
					}
					farthest = max(farthest, inf.MaxDistance)
				}
				if farthest < window/2 {
					t.Fatalf("farthest back-reference %d: the %d-byte window is hardly used", farthest, window)
				}
			})
		}
	}
}

// TestCompressorTakeoverShrinksRepeats checks that context takeover carries
// the window across messages: a repeated message compresses to a few bytes.
func TestCompressorTakeoverShrinksRepeats(t *testing.T) {
	msg := windowProbe(7, 4000)
	for bits := minWindowBits; bits <= maxWindowBits; bits++ {
		cp := getCompressor(bits)
		first, _ := cp.compress(nil, msg)
		second, _ := cp.compress(nil, msg)
		putCompressor(cp)
		if bits >= 12 && len(second) > len(first)/10 {
			t.Errorf("bits %d: repeat compressed to %d bytes (first %d)", bits, len(second), len(first))
		}
		var inf wstest.Inflater
		a, err1 := inf.Message(first)
		b, err2 := inf.Message(second)
		if err1 != nil || err2 != nil || !bytes.Equal(a, msg) || !bytes.Equal(b, msg) {
			t.Errorf("bits %d: takeover stream does not decode: %v %v", bits, err1, err2)
		}
	}
}

func TestCompressEmptyMessage(t *testing.T) {
	cp := getCompressor(15)
	defer putCompressor(cp)
	z, err := cp.compress(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	// RFC 7692 7.2.3.6: an empty message is a lone empty stored block.
	if !bytes.Equal(z, []byte{0x00}) {
		t.Fatalf("empty message compresses to % x, want 00", z)
	}
	var inf wstest.Inflater
	if out, err := inf.Message(z); err != nil || len(out) != 0 {
		t.Fatalf("inflated to %q, %v", out, err)
	}
}

// deflateServer starts an echo server with compression accepted by a.
func deflateServer(t *testing.T, a DeflateAcceptor, opts Options) *testServer {
	t.Helper()
	opts.PerMessageCompressionAccept = a.Accept
	return startServer(t, opts)
}

func dialDeflate(t *testing.T, ts *testServer, offer string) *wstest.DeflateClient {
	t.Helper()
	dc, err := wstest.DialDeflate(ts.Addr, offer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dc.Close() })
	if dc.Resp.StatusCode != 101 {
		t.Fatalf("handshake: %s", dc.Resp.Status)
	}
	return dc
}

// deflateEcho sends msg (compressed or not) and checks the echo.
func deflateEcho(t *testing.T, dc *wstest.DeflateClient, op byte, msg []byte, compress bool, frag int) (wireCompressed bool) {
	t.Helper()
	var err error
	if compress {
		err = dc.SendCompressed(op, msg, frag)
	} else {
		err = dc.SendFrames(op, 0, msg, frag)
	}
	if err != nil {
		t.Fatal(err)
	}
	gop, got, compressed, err := dc.ReadMessage(deflateTimeout)
	if err != nil {
		t.Fatalf("reading the echo of %d bytes: %v", len(msg), err)
	}
	if gop != op || !bytes.Equal(got, msg) {
		t.Fatalf("echo of %d bytes: op %d, %d bytes back", len(msg), gop, len(got))
	}
	return compressed
}

// expectDeflateClose reads until the server's close frame and checks its code.
func expectDeflateClose(t *testing.T, dc *wstest.DeflateClient, code int) {
	t.Helper()
	for {
		op, p, _, err := dc.ReadMessage(deflateTimeout)
		if err != nil {
			t.Fatalf("want close %d, got %v", code, err)
		}
		if op == wstest.OpClose {
			if got, reason := wstest.CloseCode(p); got != code {
				t.Fatalf("close %d (%s), want %d", got, reason, code)
			}
			dc.Close() // the server lingers until the peer goes
			return
		}
	}
}

// TestDeflateWindowsAndTakeoverBothWays negotiates every window size with
// context takeover on and off in each direction, and exchanges messages that
// repeat, so that a wrong window on either side breaks the stream: the client
// compresses with the window it was granted and the server inflates with it;
// the server compresses within the window the client asked for, checked by
// the client's own inflater.
func TestDeflateWindowsAndTakeoverBothWays(t *testing.T) {
	for bits := minWindowBits; bits <= maxWindowBits; bits++ {
		for _, snct := range []bool{false, true} {
			for _, cnct := range []bool{false, true} {
				name := fmt.Sprintf("bits=%d/server_takeover=%v/client_takeover=%v", bits, !snct, !cnct)
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					ts := deflateServer(t, DeflateAcceptor{ClientMaxWindowBits: bits, ClientNoContextTakeover: cnct}, Options{})
					offer := fmt.Sprintf("permessage-deflate; server_max_window_bits=%d; client_max_window_bits", bits)
					if snct {
						offer += "; server_no_context_takeover"
					}
					dc := dialDeflate(t, ts, offer)
					if dc.ServerMaxWindowBits != bits || dc.ClientMaxWindowBits != bits ||
						dc.ServerNoContextTakeover != snct || dc.ClientNoContextTakeover != cnct {
						t.Fatalf("negotiated %q", dc.Extensions)
					}
					var sizes []int
					for i := 0; i < 8; i++ {
						msg := windowProbe(int64(i%2), 3000)
						deflateEcho(t, dc, wstest.OpBinary, msg, true, 0)
						sizes = append(sizes, dc.LastWire)
					}
					if dc.MaxDistance > 1<<bits {
						t.Fatalf("server referred %d bytes back with a %d-byte window", dc.MaxDistance, 1<<bits)
					}
					// With takeover, a repeated message (6000 bytes back) costs a
					// fraction of its first copy when the window reaches it;
					// without, every copy costs the same.
					if bits >= 13 {
						repeatCheap := sizes[2] < sizes[0]/4
						if repeatCheap == snct {
							t.Fatalf("server takeover %v but wire sizes %v", !snct, sizes)
						}
					}
				})
			}
		}
	}
}

// TestDeflateMixedCompressedAndPlain interleaves compressed and uncompressed
// messages: only the compressed ones enter the windows (the client's
// compressor never sees the plain ones, so a server that added them to its
// receive window would decode garbage).
func TestDeflateMixedCompressedAndPlain(t *testing.T) {
	ts := deflateServer(t, DeflateAcceptor{}, Options{})
	dc := dialDeflate(t, ts, "permessage-deflate; client_max_window_bits")
	for i := 0; i < 20; i++ {
		msg := windowProbe(int64(i%4), 1000+i*300)
		deflateEcho(t, dc, wstest.OpText, msg, i%3 != 1, 0)
	}
}

// TestDeflateFragmentedIncoming sends compressed messages in frames of
// several sizes (RSV1 on the first only), with pings between fragments.
func TestDeflateFragmentedIncoming(t *testing.T) {
	ts := deflateServer(t, DeflateAcceptor{}, Options{})
	dc := dialDeflate(t, ts, "permessage-deflate")
	msg := []byte(strings.Repeat("fragmented and compressed; ", 500))
	for _, frag := range []int{1, 7, 100, 256, 4096} {
		deflateEcho(t, dc, wstest.OpText, msg, true, frag)
	}
	// A ping between the fragments is answered and does not disturb the message.
	z := dc.Compress(msg)
	var wire []byte
	wire = append(wire, dc.EncodeFrame(wstest.Frame{Op: wstest.OpText, Rsv: 4, Payload: z[:10]})...)
	wire = append(wire, dc.EncodeFrame(wstest.Ping([]byte("mid")))...)
	wire = append(wire, dc.EncodeFrame(wstest.Frame{Fin: true, Op: wstest.OpContinuation, Payload: z[10:]})...)
	if _, err := dc.Conn.Write(wire); err != nil {
		t.Fatal(err)
	}
	f, err := dc.ReadFrame(deflateTimeout)
	if err != nil || f.Op != wstest.OpPong || string(f.Payload) != "mid" {
		t.Fatalf("want the pong first, got op %d %q %v", f.Op, f.Payload, err)
	}
	op, got, _, err := dc.ReadMessage(deflateTimeout)
	if err != nil || op != wstest.OpText || !bytes.Equal(got, msg) {
		t.Fatalf("echo: op %d, %d bytes, %v", op, len(got), err)
	}
}

// TestDeflateFragmentedOutgoing checks the server's compressed messages under
// AutoFragmentSize: frames of at most that many compressed bytes, RSV1 on the
// first frame only.
func TestDeflateFragmentedOutgoing(t *testing.T) {
	ts := deflateServer(t, DeflateAcceptor{}, Options{AutoFragmentSize: 100})
	dc := dialDeflate(t, ts, "permessage-deflate")
	msg := windowProbe(3, 20000)
	if err := dc.SendCompressed(wstest.OpBinary, msg, 0); err != nil {
		t.Fatal(err)
	}
	var z []byte
	for i := 0; ; i++ {
		f, err := dc.ReadFrame(deflateTimeout)
		if err != nil {
			t.Fatal(err)
		}
		wantOp, wantRsv := byte(wstest.OpContinuation), byte(0)
		if i == 0 {
			wantOp, wantRsv = wstest.OpBinary, 4
		}
		if f.Op != wantOp || f.Rsv != wantRsv || len(f.Payload) > 100 {
			t.Fatalf("frame %d: op %d rsv %d, %d bytes", i, f.Op, f.Rsv, len(f.Payload))
		}
		z = append(z, f.Payload...)
		if f.Fin {
			if i < 2 {
				t.Fatalf("only %d frames", i+1)
			}
			break
		}
	}
	var inf wstest.Inflater
	if got, err := inf.Message(z); err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("reassembled message does not inflate: %v", err)
	}
}

func TestDeflateEmptyMessages(t *testing.T) {
	ts := deflateServer(t, DeflateAcceptor{}, Options{})
	dc := dialDeflate(t, ts, "permessage-deflate")
	for _, op := range []byte{wstest.OpText, wstest.OpBinary} {
		// A lone empty stored block (what compressors produce) ...
		if !deflateEcho(t, dc, op, nil, true, 0) {
			t.Fatal("empty message echoed uncompressed")
		}
		// ... and an RSV1 frame without any payload byte.
		if err := dc.SendFrames(op, 4, nil, 0); err != nil {
			t.Fatal(err)
		}
		if gop, got, _, err := dc.ReadMessage(deflateTimeout); err != nil || gop != op || len(got) != 0 {
			t.Fatalf("op %d: %q %v", gop, got, err)
		}
		// Plain empty messages still work.
		deflateEcho(t, dc, op, nil, false, 0)
	}
	// The window is intact afterwards.
	deflateEcho(t, dc, wstest.OpText, []byte(strings.Repeat("after empty ", 100)), true, 0)
}

// TestDeflateFinalBlockFromPeer accepts a message compressed with a final
// block (RFC 7692 7.2.3.4) and keeps the window for the next message.
func TestDeflateFinalBlockFromPeer(t *testing.T) {
	ts := deflateServer(t, DeflateAcceptor{}, Options{})
	dc := dialDeflate(t, ts, "permessage-deflate")
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, 5)
	first := []byte(strings.Repeat("final block then more; ", 40))
	fw.Write(first)
	fw.Close() // BFINAL set, no sync tail
	if err := dc.SendFrames(wstest.OpText, 4, buf.Bytes(), 0); err != nil {
		t.Fatal(err)
	}
	if _, got, _, err := dc.ReadMessage(deflateTimeout); err != nil || !bytes.Equal(got, first) {
		t.Fatalf("%q %v", got, err)
	}
	// A second message that refers back into the first one's text.
	buf.Reset()
	fw2, _ := flate.NewWriterDict(&buf, 5, first)
	second := []byte(strings.Repeat("final block then more; ", 10))
	fw2.Write(second)
	fw2.Flush()
	z := bytes.TrimSuffix(buf.Bytes(), []byte{0, 0, 0xff, 0xff})
	if err := dc.SendFrames(wstest.OpText, 4, z, 0); err != nil {
		t.Fatal(err)
	}
	if _, got, _, err := dc.ReadMessage(deflateTimeout); err != nil || !bytes.Equal(got, second) {
		t.Fatalf("%q %v", got, err)
	}
}

// TestDeflateThreshold sends short messages uncompressed.
func TestDeflateThreshold(t *testing.T) {
	ts := deflateServer(t, DeflateAcceptor{}, Options{CompressionThreshold: 64})
	dc := dialDeflate(t, ts, "permessage-deflate")
	if deflateEcho(t, dc, wstest.OpText, []byte(strings.Repeat("s", 63)), true, 0) {
		t.Fatal("63 bytes sent compressed with threshold 64")
	}
	if !deflateEcho(t, dc, wstest.OpText, []byte(strings.Repeat("s", 64)), true, 0) {
		t.Fatal("64 bytes sent uncompressed with threshold 64")
	}
}

// TestDeflateIncompressibleWithoutTakeover: a message that would grow is sent
// plain when no context must be kept; with takeover it must go compressed.
func TestDeflateIncompressible(t *testing.T) {
	noise := make([]byte, 5000)
	rand.New(rand.NewSource(1)).Read(noise)
	ts := deflateServer(t, DeflateAcceptor{ServerNoContextTakeover: true}, Options{})
	dc := dialDeflate(t, ts, "permessage-deflate")
	if deflateEcho(t, dc, wstest.OpBinary, noise, true, 0) {
		t.Fatal("incompressible message sent compressed without takeover")
	}
	ts2 := deflateServer(t, DeflateAcceptor{}, Options{})
	dc2 := dialDeflate(t, ts2, "permessage-deflate")
	for i := 0; i < 3; i++ {
		if !deflateEcho(t, dc2, wstest.OpBinary, noise, true, 0) {
			t.Fatal("message sent uncompressed with takeover")
		}
	}
}

// TestDeflateProtocolErrors: reserved bits where RFC 7692 forbids them, and
// bad compressed data.
func TestDeflateProtocolErrors(t *testing.T) {
	z := func(dc *wstest.DeflateClient, s string) []byte { return dc.Compress([]byte(s)) }
	cases := []struct {
		name  string
		offer string
		send  func(dc *wstest.DeflateClient) []byte
		code  int
	}{
		{"RSV1 without negotiation", "", func(dc *wstest.DeflateClient) []byte {
			return dc.EncodeFrame(wstest.Frame{Fin: true, Op: wstest.OpText, Rsv: 4, Payload: []byte("x")})
		}, CloseProtocolError},
		{"RSV1 on a continuation frame", "permessage-deflate", func(dc *wstest.DeflateClient) []byte {
			p := z(dc, "hello hello hello")
			return append(dc.EncodeFrame(wstest.Frame{Op: wstest.OpText, Rsv: 4, Payload: p[:3]}),
				dc.EncodeFrame(wstest.Frame{Fin: true, Op: wstest.OpContinuation, Rsv: 4, Payload: p[3:]})...)
		}, CloseProtocolError},
		{"RSV1 on a ping", "permessage-deflate", func(dc *wstest.DeflateClient) []byte {
			return dc.EncodeFrame(wstest.Frame{Fin: true, Op: wstest.OpPing, Rsv: 4})
		}, CloseProtocolError},
		{"RSV1 on a close", "permessage-deflate", func(dc *wstest.DeflateClient) []byte {
			return dc.EncodeFrame(wstest.Frame{Fin: true, Op: wstest.OpClose, Rsv: 4, Payload: []byte{3, 232}})
		}, CloseProtocolError},
		{"RSV2 with deflate", "permessage-deflate", func(dc *wstest.DeflateClient) []byte {
			return dc.EncodeFrame(wstest.Frame{Fin: true, Op: wstest.OpText, Rsv: 2, Payload: []byte("x")})
		}, CloseProtocolError},
		{"RSV1|RSV3 with deflate", "permessage-deflate", func(dc *wstest.DeflateClient) []byte {
			return dc.EncodeFrame(wstest.Frame{Fin: true, Op: wstest.OpText, Rsv: 5, Payload: z(dc, "x")})
		}, CloseProtocolError},
		{"corrupt data", "permessage-deflate", func(dc *wstest.DeflateClient) []byte {
			return dc.EncodeFrame(wstest.Frame{Fin: true, Op: wstest.OpBinary, Rsv: 4, Payload: []byte{0xff, 0xff, 0xff, 0x00}})
		}, CloseInvalidPayload},
		{"reserved block type", "permessage-deflate", func(dc *wstest.DeflateClient) []byte {
			return dc.EncodeFrame(wstest.Frame{Fin: true, Op: wstest.OpBinary, Rsv: 4, Payload: []byte{0x07}})
		}, CloseInvalidPayload},
		{"truncated stream", "permessage-deflate", func(dc *wstest.DeflateClient) []byte {
			p := z(dc, strings.Repeat("truncated data ", 100))
			return dc.EncodeFrame(wstest.Frame{Fin: true, Op: wstest.OpBinary, Rsv: 4, Payload: p[:len(p)/2]})
		}, CloseInvalidPayload},
		{"invalid UTF-8 inside", "permessage-deflate", func(dc *wstest.DeflateClient) []byte {
			return dc.EncodeFrame(wstest.Frame{Fin: true, Op: wstest.OpText, Rsv: 4, Payload: z(dc, "valid then \xc3\x28 invalid")})
		}, CloseInvalidPayload},
		{"UTF-8 cut at the end", "permessage-deflate", func(dc *wstest.DeflateClient) []byte {
			return dc.EncodeFrame(wstest.Frame{Fin: true, Op: wstest.OpText, Rsv: 4, Payload: z(dc, "cut \xe2\x82")})
		}, CloseInvalidPayload},
		{"reference beyond the granted window", "permessage-deflate; client_max_window_bits", func(dc *wstest.DeflateClient) []byte {
			// Granted 9 bits (512 bytes), the client compresses with 32 KiB and
			// refers 4000 bytes back into its previous message.
			var buf bytes.Buffer
			fw, _ := flate.NewWriter(&buf, 5)
			prev := windowProbe(9, 4000)
			fw.Write(prev)
			fw.Flush()
			first := bytes.TrimSuffix(bytes.Clone(buf.Bytes()), []byte{0, 0, 0xff, 0xff})
			buf.Reset()
			fw.Write(prev[:200])
			fw.Flush()
			second := bytes.TrimSuffix(buf.Bytes(), []byte{0, 0, 0xff, 0xff})
			return append(dc.EncodeFrame(wstest.Frame{Fin: true, Op: wstest.OpBinary, Rsv: 4, Payload: first}),
				dc.EncodeFrame(wstest.Frame{Fin: true, Op: wstest.OpBinary, Rsv: 4, Payload: second})...)
		}, CloseInvalidPayload},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ts := deflateServer(t, DeflateAcceptor{ClientMaxWindowBits: 9}, Options{})
			dc := dialDeflate(t, ts, c.offer)
			if _, err := dc.Conn.Write(c.send(dc)); err != nil {
				t.Fatal(err)
			}
			expectDeflateClose(t, dc, c.code)
			if ci := ts.nextClose(t); ci.localCode != c.code {
				t.Fatalf("OnClose %+v", ci)
			}
		})
	}
}

// TestDeflateBomb sends a small compressed frame that inflates to 64 MiB
// against a 1 MiB limit: the server fails the connection with 1009 and
// allocates about the limit, not the inflated size.
func TestDeflateBomb(t *testing.T) {
	const limit = 1 << 20
	const inflated = 64 << 20
	zeros := make([]byte, inflated)
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestCompression)
	fw.Write(zeros)
	fw.Flush()
	bomb := bytes.TrimSuffix(buf.Bytes(), []byte{0, 0, 0xff, 0xff})
	zeros = nil
	t.Logf("bomb: %d compressed bytes inflating to %d", len(bomb), inflated)

	for _, frag := range []int{0, 4096} {
		t.Run(fmt.Sprintf("frag=%d", frag), func(t *testing.T) {
			ts := deflateServer(t, DeflateAcceptor{}, Options{MaxMessagePayloadSize: limit})
			dc := dialDeflate(t, ts, "permessage-deflate")
			var frames []byte
			for first, z := true, bomb; first || len(z) > 0; first = false {
				n := len(z)
				if frag > 0 {
					n = min(frag, n)
				}
				f := wstest.Frame{Fin: n == len(z), Op: wstest.OpContinuation, Payload: z[:n]}
				if first {
					f.Op, f.Rsv = wstest.OpBinary, 4
				}
				frames = append(frames, dc.EncodeFrame(f)...)
				z = z[n:]
			}
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			if _, err := dc.Conn.Write(frames); err != nil {
				t.Fatal(err)
			}
			expectDeflateClose(t, dc, CloseMessageTooBig)
			ci := ts.nextClose(t)
			runtime.ReadMemStats(&after)
			if ci.localCode != CloseMessageTooBig || ci.code != CloseAbnormal || !strings.Contains(ci.reason, "limit") {
				t.Fatalf("OnClose %+v", ci)
			}
			allocated := after.TotalAlloc - before.TotalAlloc
			t.Logf("allocated %d bytes while refusing a %d-byte bomb (limit %d)", allocated, inflated, limit)
			if allocated > 6*limit {
				t.Fatalf("allocated %d bytes for a 1 MiB limit", allocated)
			}
		})
	}
}

// TestDeflateLimitExactly: a message of exactly the limit inflates; one byte
// more fails with 1009.
func TestDeflateLimitExactly(t *testing.T) {
	const limit = 100000
	ts := deflateServer(t, DeflateAcceptor{}, Options{MaxMessagePayloadSize: limit})
	dc := dialDeflate(t, ts, "permessage-deflate; client_no_context_takeover")
	deflateEcho(t, dc, wstest.OpBinary, windowProbe(1, limit), true, 0)
	// Incompressible data at the limit: the compressed form is a little larger.
	noise := make([]byte, limit)
	rand.New(rand.NewSource(2)).Read(noise)
	deflateEcho(t, dc, wstest.OpBinary, noise, true, 0)
	if err := dc.SendCompressed(wstest.OpBinary, windowProbe(1, limit+1), 0); err != nil {
		t.Fatal(err)
	}
	expectDeflateClose(t, dc, CloseMessageTooBig)
}

// TestCompressInPieces: a message compressed in pieces (a streaming writer)
// inflates to the whole, within the window.
func TestCompressInPieces(t *testing.T) {
	msg := windowProbe(5, 50000)
	for _, bits := range []int{9, 15} {
		cp := getCompressor(bits)
		var z []byte
		var err error
		for rest := msg; len(rest) > 0; {
			n := min(len(rest), 777)
			if z, err = cp.write(z, rest[:n]); err != nil {
				t.Fatal(err)
			}
			rest = rest[n:]
		}
		if z, err = cp.finish(z); err != nil {
			t.Fatal(err)
		}
		putCompressor(cp)
		var inf wstest.Inflater
		got, err := inf.Message(z)
		if err != nil || !bytes.Equal(got, msg) || inf.MaxDistance > 1<<bits {
			t.Fatalf("bits %d: %v, equal %v, distance %d", bits, err, bytes.Equal(got, msg), inf.MaxDistance)
		}
	}
}

// TestCompressAloneIsShareable: without context takeover the compressed bytes
// depend only on the payload and the window, whatever the pooled compressor
// did before, so one compression serves every such connection.
func TestCompressAloneIsShareable(t *testing.T) {
	msg := windowProbe(6, 3000)
	for bits := minWindowBits; bits <= maxWindowBits; bits++ {
		first, _ := compressAlone(nil, msg, bits)
		// Dirty the pool: a compressor with history goes back to it.
		cp := getCompressor(bits)
		cp.compress(nil, windowProbe(7, 20000))
		putCompressor(cp)
		again, _ := compressAlone(nil, msg, bits)
		if !bytes.Equal(first, again) {
			t.Fatalf("bits %d: compressAlone differs after the pool was used", bits)
		}
		d := newDeflateConn(&DeflateResponse{ServerNoContextTakeover: true, ServerMaxWindowBits: bits}, false)
		if b, ok := d.sharedWindow(); !ok || b != bits {
			t.Fatalf("sharedWindow %d %v", b, ok)
		}
		if _, ok := newDeflateConn(&DeflateResponse{}, false).sharedWindow(); ok {
			t.Fatal("a connection with takeover reported a shareable window")
		}
	}
}

// TestDeflateWireBytes: the server reports what compression saved, for the
// status page's ratio, while connections are open and after they end.
func TestDeflateWireBytes(t *testing.T) {
	ts := deflateServer(t, DeflateAcceptor{}, Options{})
	if !ts.CompressionEnabled() {
		t.Fatal("CompressionEnabled false")
	}
	dc := dialDeflate(t, ts, "permessage-deflate")
	msg := []byte(strings.Repeat("the same words again and again ", 300))
	for i := 0; i < 3; i++ {
		deflateEcho(t, dc, wstest.OpText, msg, true, 0)
	}
	check := func(when string) {
		st := ts.Stats()
		in, out := ts.WireBytes()
		if st.BytesIn != uint64(3*len(msg)) || in == 0 || in*5 > st.BytesIn || out == 0 || out*5 > st.BytesOut {
			t.Fatalf("%s: app bytes %d/%d, wire %d/%d", when, st.BytesIn, st.BytesOut, in, out)
		}
	}
	check("open")
	dc.WriteFrame(wstest.CloseFrame(1000, ""))
	ts.nextClose(t)
	check("ended")
	plain := startServer(t, Options{})
	if plain.CompressionEnabled() {
		t.Fatal("CompressionEnabled true without an accept func")
	}
}
