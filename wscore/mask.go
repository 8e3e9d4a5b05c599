package wscore

import (
	"crypto/rand"
	"encoding/binary"
	"math/bits"
)

// maskBytes XORs b in place with the 4-byte masking key, starting at position pos
// of the key's cycle (0..3), and returns the position after the last byte. Calling
// it on consecutive chunks of one payload with the returned position masks the
// payload as a whole.
//
// The bulk of the work is done eight bytes at a time with the key spread over a
// 64-bit word; only the unaligned head and tail are done byte by byte.
func maskBytes(key [4]byte, pos int, b []byte) int {
	if len(b) < 16 {
		for i := range b {
			b[i] ^= key[(pos+i)&3]
		}
		return (pos + len(b)) & 3
	}
	// Rotate the key so that the word starts at the current position of the cycle.
	k32 := binary.LittleEndian.Uint32(key[:])
	k32 = bits.RotateLeft32(k32, -8*(pos&3))
	k64 := uint64(k32) | uint64(k32)<<32

	i := 0
	for ; len(b)-i >= 32; i += 32 {
		s := b[i : i+32 : i+32]
		binary.LittleEndian.PutUint64(s[0:8], binary.LittleEndian.Uint64(s[0:8])^k64)
		binary.LittleEndian.PutUint64(s[8:16], binary.LittleEndian.Uint64(s[8:16])^k64)
		binary.LittleEndian.PutUint64(s[16:24], binary.LittleEndian.Uint64(s[16:24])^k64)
		binary.LittleEndian.PutUint64(s[24:32], binary.LittleEndian.Uint64(s[24:32])^k64)
	}
	for ; len(b)-i >= 8; i += 8 {
		s := b[i : i+8 : i+8]
		binary.LittleEndian.PutUint64(s, binary.LittleEndian.Uint64(s)^k64)
	}
	// i is a multiple of 8 (hence of 4), so the cycle position is unchanged here.
	for ; i < len(b); i++ {
		b[i] ^= key[(pos+i)&3]
	}
	return (pos + len(b)) & 3
}

// maskKeySource hands out masking keys read from crypto/rand in batches, so a
// client does not make a system call per frame. RFC 6455 section 5.3 requires
// keys that a peer cannot predict.
type maskKeySource struct {
	buf [256]byte
	i   int
}

func newMaskKeySource() *maskKeySource {
	return &maskKeySource{i: len(maskKeySource{}.buf)}
}

// next returns a fresh key. The writer calls it with its lock held.
func (s *maskKeySource) next() (k [4]byte) {
	if s.i+4 > len(s.buf) {
		rand.Read(s.buf[:]) // never fails (crypto/rand panics on an OS failure)
		s.i = 0
	}
	copy(k[:], s.buf[s.i:s.i+4])
	s.i += 4
	return k
}
