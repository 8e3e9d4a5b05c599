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
	fragment int // AutoFragmentSize
}

type preparedEncoding struct {
	key   preparedKey
	bytes []byte
}

// NewPreparedMessage copies payload into a message ready for broadcasting.
func NewPreparedMessage(payload []byte, isBinary bool) *PreparedMessage {
	return &PreparedMessage{payload: append([]byte(nil), payload...), isBinary: isBinary}
}

// Payload returns the message's payload (do not modify it).
func (pm *PreparedMessage) Payload() []byte { return pm.payload }

// IsBinary tells whether the message is binary.
func (pm *PreparedMessage) IsBinary() bool { return pm.isBinary }

// frames returns the encoded frames for a configuration, building them once.
func (pm *PreparedMessage) frames(key preparedKey) []byte {
	// Usually every connection has the same configuration: no lock then.
	if e := pm.first.Load(); e != nil && e.key == key {
		return e.bytes
	}
	pm.mu.Lock()
	defer pm.mu.Unlock()
	for _, e := range pm.encodings {
		if e.key == key {
			return e.bytes
		}
	}
	pm.encodeCount.Add(1)
	op := byte(opText)
	if pm.isBinary {
		op = opBinary
	}
	var b []byte
	p := pm.payload
	if key.fragment <= 0 || len(p) <= key.fragment {
		b = appendFrameHeader(make([]byte, 0, len(p)+maxFrameHeaderSize), true, 0, op, len(p), false, [4]byte{})
		b = append(b, p...)
	} else {
		for first := true; first || len(p) > 0; first = false {
			n := min(key.fragment, len(p))
			fop := byte(opContinuation)
			if first {
				fop = op
			}
			b = appendFrameHeader(b, n == len(p), 0, fop, n, false, [4]byte{})
			b = append(b, p[:n]...)
			p = p[n:]
		}
	}
	pm.encodings = append(pm.encodings, preparedEncoding{key: key, bytes: b})
	if pm.first.Load() == nil {
		pm.first.Store(&preparedEncoding{key: key, bytes: b})
	}
	return b
}

// SendPreparedMessage sends a prepared message, with SendMessage's semantics.
// Server connections share the encoded frames; a client masks every frame with
// its own key, so it encodes the message itself.
func (c *Conn) SendPreparedMessage(pm *PreparedMessage) error {
	if c.w.mask {
		return c.SendMessage(pm.payload, pm.isBinary)
	}
	if err := c.w.writeEncoded(kindData, pm.frames(preparedKey{fragment: c.cfg.autoFragment})); err != nil {
		return err
	}
	if c.stats.messagesOut.Add(1) == 1 {
		c.timings.mark(msFirstOut)
	}
	c.stats.bytesOut.Add(uint64(len(pm.payload)))
	return nil
}
