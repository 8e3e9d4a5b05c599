package wscore

import (
	"math/bits"
	"sync"
	"unsafe"
)

// Message buffers handed back with ReleasePayload.
//
// A payload given to OnMessage belongs to the application, so by default the
// engine allocates a new one for every message, and at high message rates the
// garbage collector pays for it. An application that is done with a payload
// (an echo that has sent it back, a handler that decoded it) can hand it back;
// the next message of about that size, on any connection, is read into it.
// The pools are size classes of powers of two: a buffer serves the largest
// class its capacity covers. They hold the buffer's first byte as an
// unsafe.Pointer, which fits an interface without an allocation (a *[]byte
// would cost one per message), and rebuild the slice with the class's size.

const (
	minPooledPayloadBits = 9  // 512 B: smaller messages are cheap to allocate
	maxPooledPayloadBits = 22 // 4 MiB: larger ones are rare and should be freed
)

var payloadPools [maxPooledPayloadBits - minPooledPayloadBits + 1]sync.Pool

// ReleasePayload hands a payload that OnMessage received back to the engine,
// which reuses its memory for a later message (of any connection). Call it
// once, only with a payload the engine gave you, and only when nothing uses the
// payload any more: after ReleasePayload the bytes may be overwritten at any
// time. Releasing is optional; a payload that is kept is simply left to the
// garbage collector. A message sent with SendMessage or QueueMessage is no
// longer needed once the call has returned, so an echo can release right away:
//
//	func (Echo) OnMessage(c *wscore.Conn, msg []byte, isBinary bool) {
//		c.QueueMessage(msg, isBinary)
//		wscore.ReleasePayload(msg)
//	}
func ReleasePayload(payload []byte) {
	c := cap(payload)
	if c < 1<<minPooledPayloadBits {
		return
	}
	class := bits.Len(uint(c)) - 1 // the largest power of two <= c
	if class > maxPooledPayloadBits {
		return
	}
	payloadPools[class-minPooledPayloadBits].Put(unsafe.Pointer(unsafe.SliceData(payload)))
}

// pooledPayload returns a released buffer with room for at least n bytes, or
// nil when there is none (or n is outside the pooled sizes).
func pooledPayload(n int) []byte {
	if n <= 1<<(minPooledPayloadBits-1) || n > 1<<maxPooledPayloadBits {
		return nil
	}
	class := max(bits.Len(uint(n-1)), minPooledPayloadBits) // the smallest power of two >= n
	if p, ok := payloadPools[class-minPooledPayloadBits].Get().(unsafe.Pointer); ok {
		return unsafe.Slice((*byte)(p), 1<<class)[:0]
	}
	return nil
}
