package wscore

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"
)

// writer serializes the frames of a connection onto its socket. Any goroutine
// may write. Frames are appended to a pending buffer under mu; the first writer
// to find no write in progress becomes the flusher and writes everything
// pending in one system call, so concurrent senders are coalesced (group
// commit). Each writer returns once the batch holding its frame reached the
// socket, or with the error that stopped it.
//
// Payloads larger than the buffer are not copied: the flusher writes them with
// the pending bytes in one vectored write.
type writer struct {
	mu   sync.Mutex
	cond sync.Cond // signalled when a flush ends or the stream owner changes

	conn    net.Conn
	pool    *bufferPool
	timeout time.Duration
	mask    bool // client frames, or MaskServerFrames
	apply   bool // XOR the payload with the key (off only for testing)
	keys    *maskKeySource

	pending *[]byte // frames not yet handed to the socket; nil when none
	queued  uint64  // batches appended so far
	written uint64  // batches that reached the socket
	flush   bool    // a flusher is writing
	err     error   // sticky: once set, nothing more is sent

	closing   bool // a close frame was queued: no more frames after it
	streaming bool // a fragmented message is being written by one owner
	hold      bool // the reader will flush soon: queued frames need not be written yet

	deadline time.Time // the write deadline last set on conn

	// c is the connection the writer belongs to: it logs frames and octets
	// (LogFrames, LogOctets) and closes the socket after a failed write.
	c *Conn

	bufs  net.Buffers // the pieces of a vectored write, reused
	wbufs net.Buffers // what WriteTo consumes (a field, so it does not escape)
	hdr   [maxFrameHeaderSize]byte
}

func (w *writer) init(c *Conn, conn net.Conn, cfg *config) {
	w.cond.L = &w.mu
	w.c = c
	w.conn = conn
	w.pool = poolFor(cfg.writeBufSize)
	w.timeout = cfg.writeTimeout
	w.mask = cfg.maskOutgoing
	w.apply = cfg.applyMask
	if w.mask {
		w.keys = newMaskKeySource()
	}
}

// frameKind tells writeFrame how a frame relates to the closing state and to a
// fragmented message in progress.
type frameKind uint8

const (
	kindData    frameKind = iota // a whole message in one frame: waits for a stream to end
	kindStream                   // a fragment written by the stream's owner
	kindControl                  // ping/pong: may go between fragments
	kindClose                    // the close frame: the last frame
)

// writeFrame queues one frame and waits until it has been written.
func (w *writer) writeFrame(kind frameKind, fin bool, rsv, op byte, payload []byte) error {
	return w.submit(kind, fin, rsv, op, payload, nil, false)
}

// queueFrame queues one frame without waiting for the socket (QueueMessage):
// it returns once the frame is in the pending buffer, which is written now,
// by a write already in progress, or, while the reader holds the flush, by the
// reader when it has handled its buffered input. A payload larger than the
// buffer is written before queueFrame returns, as by writeFrame.
func (w *writer) queueFrame(fin bool, rsv, op byte, payload []byte) error {
	return w.submit(kindData, fin, rsv, op, payload, nil, true)
}

// writeEncoded queues frames that are already encoded (a prepared message) and
// waits until they have been written.
func (w *writer) writeEncoded(kind frameKind, encoded []byte) error {
	return w.submit(kind, false, 0, 0, nil, encoded, false)
}

// submit queues either one frame (fin, rsv, op, payload) or encoded bytes, and
// waits until they are written unless queueOnly.
func (w *writer) submit(kind frameKind, fin bool, rsv, op byte, payload, encoded []byte, queueOnly bool) error {
	large := len(encoded) > w.pool.size || (encoded == nil && len(payload) > w.pool.size)
	w.mu.Lock()
	// Every wait re-checks everything: while we waited, the connection may
	// have failed, a close frame may have been queued (nothing may follow
	// it) or a fragmented message may have started (no other message may go
	// inside it).
	for {
		if w.err != nil {
			err := w.err
			w.mu.Unlock()
			return err
		}
		if w.closing {
			w.mu.Unlock()
			return ErrClosed
		}
		if kind == kindData && w.streaming ||
			large && w.flush ||
			queueOnly && w.flush && w.pending != nil && len(*w.pending) >= w.pool.size {
			// A data message waits for a fragmented one to end; a large
			// payload waits for the socket, so it is written straight from
			// the caller's slice instead of being copied; QueueMessage waits
			// when a buffer's worth is already queued, to bound memory.
			w.cond.Wait()
			continue
		}
		break
	}
	if kind == kindClose {
		w.closing = true
	}
	if w.c.cfg.logFrames {
		// Under mu, so the log shows frames in wire order (a debug aid;
		// off, it costs one test).
		w.logFrames(fin, rsv, op, payload, encoded)
	}
	if large {
		if encoded != nil {
			return w.flushLocked(nil, encoded)
		}
		if w.mask {
			key := w.keys.next() // under mu: appenders draw keys too
			return w.flushWith(func(pending *[]byte) error { return w.writeMasked(pending, fin, rsv, op, payload, key) })
		}
		hdr := appendFrameHeader(w.hdr[:0], fin, rsv, op, len(payload), false, [4]byte{})
		return w.flushLocked(hdr, payload)
	}
	if encoded != nil {
		w.appendEncodedLocked(encoded)
	} else {
		w.appendFrameLocked(fin, rsv, op, payload)
	}
	w.queued++
	my := w.queued
	if queueOnly {
		if w.flush || (w.hold && len(*w.pending) < w.pool.size) {
			// The write in progress, or the reader's flush, takes it along.
			w.mu.Unlock()
			return nil
		}
		return w.flushLocked(nil, nil)
	}
	for w.written < my {
		if w.err != nil {
			err := w.err
			w.mu.Unlock()
			return err
		}
		if w.flush {
			w.cond.Wait()
			continue
		}
		if err := w.flushLocked(nil, nil); err != nil {
			return err
		}
		w.mu.Lock()
	}
	w.mu.Unlock()
	return nil
}

// appendEncodedLocked copies encoded frames into the pending buffer.
func (w *writer) appendEncodedLocked(encoded []byte) {
	if w.pending == nil {
		w.pending = w.pool.get()
		*w.pending = (*w.pending)[:0]
	}
	*w.pending = append(*w.pending, encoded...)
}

// appendFrameLocked encodes a frame into the pending buffer.
func (w *writer) appendFrameLocked(fin bool, rsv, op byte, payload []byte) {
	if w.pending == nil {
		w.pending = w.pool.get()
		*w.pending = (*w.pending)[:0]
	}
	var key [4]byte
	if w.mask {
		key = w.keys.next()
	}
	b := appendFrameHeader(*w.pending, fin, rsv, op, len(payload), w.mask, key)
	start := len(b)
	b = append(b, payload...)
	if w.mask && w.apply {
		maskBytes(key, 0, b[start:])
	}
	*w.pending = b
}

// flushLocked is called with mu held and no flush in progress. It writes the
// pending frames, then hdr and payload (a large frame written in place), and
// returns with mu released. It marks every batch queued so far as written.
func (w *writer) flushLocked(hdr, payload []byte) error {
	return w.flushWith(func(pending *[]byte) error { return w.write(pending, hdr, payload) })
}

// flushWith is flushLocked with the writing done by write, which receives the
// pending frames to put on the socket first.
func (w *writer) flushWith(write func(pending *[]byte) error) error {
	w.flush = true
	pending := w.pending
	w.pending = nil
	upto := w.queued
	w.mu.Unlock()

	err := write(pending)

	w.mu.Lock()
	if pending != nil {
		w.pool.put(pending)
	}
	// Frames queued without a waiter (QueueMessage) while we wrote have
	// nobody else to write them: take them along.
	for err == nil && w.pending != nil {
		w.written = upto
		w.cond.Broadcast()
		pending, w.pending, upto = w.pending, nil, w.queued
		w.mu.Unlock()
		err = w.write(pending, nil, nil)
		w.mu.Lock()
		w.pool.put(pending)
	}
	w.flush = false
	if err == nil {
		// Written: a failure recorded meanwhile (the connection ended right
		// after this write) does not concern these frames.
		w.written = upto
	} else {
		if w.err == nil {
			w.err = err
		}
		err = w.err
	}
	w.cond.Broadcast()
	w.mu.Unlock()
	if err != nil {
		w.c.closeSocket() // a frame may be cut: the connection is unusable
	}
	return err
}

// write puts the bytes on the socket, with the write deadline refreshed.
func (w *writer) write(pending *[]byte, hdr, payload []byte) error {
	if w.timeout > 0 {
		// Moving the deadline costs a timer update; do it only when the old one
		// is closer than 15/16 of the timeout, so a write always gets at least
		// that long (busy connections move it every timeout/16).
		now := time.Now()
		if w.deadline.Sub(now) < w.timeout-w.timeout/16 {
			w.deadline = now.Add(w.timeout)
			if err := w.conn.SetWriteDeadline(w.deadline); err != nil {
				return fmt.Errorf("%w: %w", ErrClosed, err)
			}
		}
	}
	// The non-empty pieces, in order. A single piece is written as it is:
	// net.Buffers (a vectored write, and a slice the writer keeps) only for
	// several, so a connection that only sends small frames never makes one.
	pieces := [3][]byte{pendingBytes(pending), hdr, payload}
	n := 0
	for _, b := range pieces {
		if len(b) > 0 {
			pieces[n] = b
			n++
		}
	}
	if w.c.cfg.logOctets {
		for _, b := range pieces[:n] {
			w.c.logOctetsDir("send", b)
		}
	}
	var err error
	switch n {
	case 0:
	case 1:
		_, err = w.conn.Write(pieces[0])
	default:
		w.bufs = append(w.bufs[:0], pieces[:n]...)
		w.wbufs = w.bufs // WriteTo consumes its receiver
		_, err = w.wbufs.WriteTo(w.conn)
		w.wbufs = nil
		clear(w.bufs[:cap(w.bufs)])
	}
	if err == nil {
		return nil
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("%w (after %v)", ErrWriteTimeout, w.timeout)
	}
	if errors.Is(err, net.ErrClosed) {
		return ErrClosed
	}
	return fmt.Errorf("%w: write failed: %w", ErrClosed, err)
}

// setHold tells queueFrame whether the reader will flush soon (it is in a
// callback and has more messages buffered). Releasing the hold writes what
// was queued meanwhile.
func (w *writer) setHold(hold bool) {
	w.mu.Lock()
	w.hold = hold
	if hold || w.flush || w.pending == nil || w.err != nil {
		w.mu.Unlock()
		return
	}
	w.flushLocked(nil, nil) // an error ends the connection; the reader sees it
}

// logFrames logs the frame (or the encoded frames) submit accepted.
func (w *writer) logFrames(fin bool, rsv, op byte, payload, encoded []byte) {
	if encoded == nil {
		w.c.logFrame("send", fin, rsv, op, int64(len(payload)), w.mask)
		return
	}
	for len(encoded) > 0 {
		h, n, err := parseFrameHeader(encoded)
		if err != nil || int64(len(encoded)-n) < h.length {
			return // not ours to judge: the engine encoded it
		}
		w.c.logFrame("send", h.fin, h.rsv, h.opcode, h.length, h.masked)
		encoded = encoded[n+int(h.length):]
	}
}

func pendingBytes(p *[]byte) []byte {
	if p == nil {
		return nil
	}
	return *p
}

// beginStream waits until no other fragmented message is being written and
// makes the caller its owner.
func (w *writer) beginStream() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.streaming && w.err == nil && !w.closing {
		w.cond.Wait()
	}
	if w.err != nil {
		return w.err
	}
	if w.closing {
		return ErrClosed
	}
	w.streaming = true
	return nil
}

// endStream releases the stream for other messages.
func (w *writer) endStream() {
	w.mu.Lock()
	w.streaming = false
	w.cond.Broadcast()
	w.mu.Unlock()
}

// fail makes every later write return err (the connection has ended).
func (w *writer) fail(err error) {
	w.mu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.cond.Broadcast()
	w.mu.Unlock()
}

// isClosing reports whether a close frame was queued.
func (w *writer) isClosing() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closing
}

// writeMasked writes the pending frames and then one masked frame whose
// payload is masked into a buffer-sized scratch piece by piece, so a large
// client message never needs a copy of its own size.
func (w *writer) writeMasked(pending *[]byte, fin bool, rsv, op byte, payload []byte, key [4]byte) error {
	if pending != nil && len(*pending) > 0 {
		if err := w.write(pending, nil, nil); err != nil {
			return err
		}
	}
	scratch := w.pool.get()
	defer w.pool.put(scratch)
	b := appendFrameHeader((*scratch)[:0], fin, rsv, op, len(payload), true, key)
	pos := 0
	for len(payload) > 0 || len(b) > 0 {
		n := min(cap(b)-len(b), len(payload))
		start := len(b)
		b = append(b, payload[:n]...)
		if w.apply {
			pos = maskBytes(key, pos, b[start:])
		}
		payload = payload[n:]
		if err := w.write(nil, nil, b); err != nil {
			return err
		}
		b = b[:0]
	}
	return nil
}
