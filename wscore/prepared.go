package wscore

import (
	"sync"
	"sync/atomic"
)

// PreparedMessage is a message encoded once and sent to many connections
// (broadcast): the frame bytes are built the first time a connection with a
// given framing configuration sends it and reused by every other connection
// with the same configuration. Safe for concurrent use.
type PreparedMessage struct {
	payload  []byte
	isBinary bool

	first     atomic.Pointer[preparedEncoding] // the first encoding built: read without the lock
	mu        sync.Mutex
	encodings []preparedEncoding

	encodeCount atomic.Int64 // how many times frames were built (for tests)
}

// preparedKey is what changes a message's frame bytes between connections.
type preparedKey struct {
	fragment    int // AutoFragmentSize
	deflateBits int // compressed without context takeover with this window; 0: not compressed
}

type preparedEncoding struct {
	key   preparedKey
	bytes []byte
	saved int // payload bytes saved by compression (0 when sent plain)
}

// NewPreparedMessage copies payload into a message ready for broadcasting.
func NewPreparedMessage(payload []byte, isBinary bool) *PreparedMessage {
	return &PreparedMessage{payload: append([]byte(nil), payload...), isBinary: isBinary}
}

func (pm *PreparedMessage) opcode() byte {
	if pm.isBinary {
		return opBinary
	}
	return opText
}

// Payload returns the message's payload (do not modify it).
func (pm *PreparedMessage) Payload() []byte { return pm.payload }

// IsBinary tells whether the message is binary.
func (pm *PreparedMessage) IsBinary() bool { return pm.isBinary }

// frames returns the encoded frames for a configuration, building them once.
func (pm *PreparedMessage) frames(key preparedKey) preparedEncoding {
	// Usually every connection has the same configuration: no lock then.
	if e := pm.first.Load(); e != nil && e.key == key {
		return *e
	}
	pm.mu.Lock()
	defer pm.mu.Unlock()
	for _, e := range pm.encodings {
		if e.key == key {
			return e
		}
	}
	pm.encodeCount.Add(1)
	op := pm.opcode()
	p, rsv, saved := pm.payload, byte(0), 0
	if key.deflateBits > 0 {
		// Without context takeover a message compresses to the same bytes
		// for every connection with this window: once for all of them. Like
		// SendMessage, it goes plain when compression would not shrink it.
		if z, err := compressAlone(nil, p, key.deflateBits); err == nil && len(z) < len(p) {
			p, rsv, saved = z, bitRsv1, len(pm.payload)-len(z)
		}
	}
	var b []byte
	if key.fragment <= 0 || len(p) <= key.fragment {
		b = appendFrameHeader(make([]byte, 0, len(p)+maxFrameHeaderSize), true, rsv, op, len(p), false, [4]byte{})
		b = append(b, p...)
	} else {
		for first := true; first || len(p) > 0; first = false {
			n := min(key.fragment, len(p))
			fop, frsv := byte(opContinuation), byte(0)
			if first {
				fop, frsv = op, rsv
			}
			b = appendFrameHeader(b, n == len(p), frsv, fop, n, false, [4]byte{})
			b = append(b, p[:n]...)
			p = p[n:]
		}
	}
	e := preparedEncoding{key: key, bytes: b, saved: saved}
	pm.encodings = append(pm.encodings, e)
	if pm.first.Load() == nil {
		pm.first.Store(&e)
	}
	return e
}

// SendPreparedMessage sends a prepared message, with SendMessage's semantics.
// Server connections share the encoded frames, compressed once per window size
// for connections that compress without context takeover. A connection with
// context takeover compresses against its own history, and a client masks
// every frame with its own key: those encode the message themselves.
func (c *Conn) SendPreparedMessage(pm *PreparedMessage) error {
	key := preparedKey{fragment: c.cfg.autoFragment}
	if c.deflate != nil && len(pm.payload) >= c.cfg.compressionThreshold {
		bits, shared := c.deflate.sharedWindow()
		if !shared {
			return c.SendMessage(pm.payload, pm.isBinary)
		}
		key.deflateBits = bits
	}
	if c.w.mask {
		return c.SendMessage(pm.payload, pm.isBinary)
	}
	e := pm.frames(key)
	if err := c.w.writeEncoded(kindData, e.bytes); err != nil {
		return err
	}
	if e.saved > 0 {
		c.deflate.saved.out.Add(int64(e.saved))
	}
	if c.stats.messagesOut.Add(1) == 1 {
		c.timings.mark(msFirstOut)
	}
	c.stats.bytesOut.Add(uint64(len(pm.payload)))
	return nil
}
