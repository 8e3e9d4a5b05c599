package wscore

import (
	"bytes"
	"io"
	"sync"

	"github.com/klauspost/compress/flate"
)

// This file holds the DEFLATE machinery of permessage-deflate (RFC 7692): the
// per-connection state, the compressors and decompressors and their pools.
//
// Memory. Without context takeover nothing is kept per connection: a message
// borrows a compressor or decompressor from a pool for the time it is
// processed. With context takeover the LZ77 window outlives the message:
//   - sending, the connection keeps its own compressor from its first
//     compressed message to its end (klauspost's flate.Writer: hash tables,
//     history and token buffers, about 800 KiB, 1 MiB for windows under 15
//     bits; see BenchmarkDeflateConnMemory);
//   - receiving, it keeps only the last 2^client_max_window_bits bytes it
//     inflated (32 KiB by default, 512 bytes at 9 bits) and borrows a pooled
//     decompressor per message, primed with that window.

// deflateTail is the end of a sync flush (an empty stored block), which the
// sender strips from every message and the receiver puts back (RFC 7692 7.2.1).
var deflateTail = [4]byte{0x00, 0x00, 0xff, 0xff}

// inflateTrailer follows a received message into the decompressor: the sync
// tail, then an empty final stored block, so the decompressor reports io.EOF
// exactly where the message ends instead of waiting for more input. A message
// that ends with a final block of its own stops the decompressor before it.
var inflateTrailer = [9]byte{0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff}

// deflateConn is a connection's permessage-deflate state.
type deflateConn struct {
	// The parameters in effect, from this endpoint's point of view.
	sendNoTakeover bool
	recvNoTakeover bool
	sendBits       int // window of our compressor, 8..15
	recvWindow     int // bytes of history the peer may refer to

	// Sending with context takeover: mu keeps compression in wire order, cp is
	// the connection's own compressor (made on the first compressed message).
	mu     sync.Mutex
	cp     *compressor
	closed bool

	// Receiving (reader goroutine only): the buffer the compressed message is
	// assembled in, and with context takeover the end of what was inflated so
	// far, up to recvWindow bytes.
	inBuf  *[]byte
	window []byte

	// Bytes saved by compression (compress_stats.go), handed to ended when
	// the connection ends.
	saved deflateSavings
	ended *deflateSavings
}

// newDeflateConn prepares the state for the parameters in effect r; isClient
// tells which half of them is ours.
func newDeflateConn(r *DeflateResponse, isClient bool) *deflateConn {
	sendNo, recvNo := r.ServerNoContextTakeover, r.ClientNoContextTakeover
	sendBits, recvBits := r.ServerMaxWindowBits, r.ClientMaxWindowBits
	if isClient {
		sendNo, recvNo = recvNo, sendNo
		sendBits, recvBits = recvBits, sendBits
	}
	if sendBits == 0 {
		sendBits = maxWindowBits
	}
	if recvBits == 0 {
		recvBits = maxWindowBits
	}
	// zlib cannot compress with an 8-bit window and quietly uses 9 bits
	// instead (Chromium and Python do): keep 512 bytes so such peers work.
	recvBits = max(recvBits, 9)
	return &deflateConn{
		sendNoTakeover: sendNo,
		recvNoTakeover: recvNo,
		sendBits:       sendBits,
		recvWindow:     1 << recvBits,
	}
}

// compressor is a flate.Writer with the buffer it writes into.
type compressor struct {
	fw   *flate.Writer
	bits int
	out  appendWriter
}

// appendWriter collects the compressor's output.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// compressorPools hold idle compressors, one pool per window size: a message
// without context takeover borrows one, and a connection with takeover returns
// its own when it ends.
var compressorPools [maxWindowBits + 1]sync.Pool

// getCompressor returns a compressor with an empty history. A 15-bit window
// uses klauspost's fastest level; smaller windows need its windowed encoder,
// which never refers further back than the window (down to 256 bytes).
func getCompressor(bits int) *compressor {
	if cp, ok := compressorPools[bits].Get().(*compressor); ok {
		return cp
	}
	cp := &compressor{bits: bits}
	var err error
	if bits == maxWindowBits {
		cp.fw, err = flate.NewWriter(&cp.out, flate.BestSpeed)
	} else {
		cp.fw, err = flate.NewWriterWindow(&cp.out, 1<<bits)
	}
	if err != nil {
		panic("wscore: flate writer: " + err.Error()) // bits are validated at negotiation
	}
	return cp
}

// putCompressor resets cp (forgetting its history) and pools it.
func putCompressor(cp *compressor) {
	cp.fw.Reset(&cp.out)
	cp.out.b = nil
	compressorPools[cp.bits].Put(cp)
}

// compress appends the compressed form of p, without the sync tail, to dst
// and returns it. The history is kept for the next message (context
// takeover); the caller resets the compressor when it must not be.
func (cp *compressor) compress(dst, p []byte) ([]byte, error) {
	dst, err := cp.write(dst, p)
	if err != nil {
		return dst, err
	}
	return cp.finish(dst)
}

// write compresses part of a message, appending to dst what the compressor
// has output so far (possibly nothing). A message sent in pieces (a
// streaming writer) calls write for each and finish at the end.
func (cp *compressor) write(dst, p []byte) ([]byte, error) {
	if len(p) == 0 {
		return dst, nil
	}
	cp.out.b = dst
	_, err := cp.fw.Write(p)
	dst, cp.out.b = cp.out.b, nil
	return dst, err
}

// finish ends a message: a sync flush, whose 4-byte tail is removed as RFC
// 7692 7.2.1 says, appended to dst.
func (cp *compressor) finish(dst []byte) ([]byte, error) {
	start := len(dst)
	cp.out.b = dst
	err := cp.fw.Flush()
	dst, cp.out.b = cp.out.b, nil
	if err != nil {
		return dst, err
	}
	if n := len(dst) - len(deflateTail); n >= start && [4]byte(dst[n:]) == deflateTail {
		dst = dst[:n]
	}
	return dst, nil
}

// compressAlone appends p compressed as a message on its own (no history
// before it) with a 2^bits window. Every connection that compresses without
// context takeover at that window sends exactly these bytes, so a message for
// many connections (prepared/broadcast) can be compressed once per window size
// and shared; connections with takeover must compress it themselves. (Like
// sendCompressed, a sender should send the payload uncompressed instead when
// the result is not shorter.)
func compressAlone(dst, p []byte, bits int) ([]byte, error) {
	cp := getCompressor(bits)
	defer putCompressor(cp)
	return cp.compress(dst, p)
}

// sharedWindow reports the window bits of this connection's outgoing
// compression when its messages do not depend on earlier ones (no context
// takeover), so compressAlone's output can be sent as is.
func (d *deflateConn) sharedWindow() (bits int, ok bool) {
	return d.sendBits, d.sendNoTakeover
}

// inflater is a pooled decompressor with its input.
type inflater struct {
	src bytes.Reader
	fr  io.ReadCloser // implements flate.Resetter
}

var inflaterPool = sync.Pool{New: func() any {
	inf := &inflater{}
	inf.fr = flate.NewReader(&inf.src)
	return inf
}}

// reset prepares the inflater to decompress z (which ends with
// inflateTrailer) after the history dict.
func (inf *inflater) reset(z, dict []byte) {
	inf.src.Reset(z)
	inf.fr.(flate.Resetter).Reset(&inf.src, dict)
}

func (inf *inflater) release() {
	inf.src.Reset(nil)
	inf.fr.(flate.Resetter).Reset(&inf.src, nil)
	inflaterPool.Put(inf)
}

// remember appends what was just inflated to the receive window, keeping its
// last recvWindow bytes.
func (d *deflateConn) remember(p []byte) {
	w := d.recvWindow
	if d.window == nil {
		d.window = make([]byte, 0, w)
	}
	if len(p) >= w {
		d.window = append(d.window[:0], p[len(p)-w:]...)
		return
	}
	if drop := len(d.window) + len(p) - w; drop > 0 {
		n := copy(d.window, d.window[drop:])
		d.window = d.window[:n]
	}
	d.window = append(d.window, p...)
}

// release gives the connection's compressor back to the pool; the connection
// has ended and sends nothing more.
func (d *deflateConn) release() {
	d.mu.Lock()
	cp := d.cp
	d.cp, d.closed = nil, true
	d.mu.Unlock()
	if cp != nil {
		putCompressor(cp)
	}
	d.window = nil
	d.inBuf = nil
	d.saved.moveTo(d.ended)
}

// scratch buffers hold compressed messages on their way in or out. Buffers
// that grew beyond maxPooledScratch are left to the GC so one large message
// does not pin memory.
const (
	scratchSize      = 4 << 10
	maxPooledScratch = 256 << 10
)

var scratchPool = sync.Pool{New: func() any {
	b := make([]byte, 0, scratchSize)
	return &b
}}

func getScratch() *[]byte { return scratchPool.Get().(*[]byte) }

func putScratch(bp *[]byte, b []byte) {
	if cap(b) > maxPooledScratch {
		return
	}
	*bp = b[:0]
	scratchPool.Put(bp)
}
