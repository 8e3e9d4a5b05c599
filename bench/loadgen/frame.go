package loadgen

import (
	"encoding/binary"
	"errors"
	"math/bits"
)

// Opcodes of RFC 6455 section 5.2.
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

const (
	finBit    = 0x80
	rsv1Bit   = 0x40
	maskBit   = 0x80
	maxHeader = 14
)

// header is a decoded frame header.
type header struct {
	fin    bool
	rsv1   bool
	rsv23  bool // RSV2 or RSV3: never valid here
	op     byte
	masked bool
	key    uint32 // little-endian view of the 4 key bytes
	length int
	size   int // bytes the header occupies
}

var (
	errShortHeader = errors.New("need more bytes")
	errFrameLength = errors.New("frame length out of range")
)

// parseHeader decodes the frame header at the start of b, or returns
// errShortHeader when b does not hold all of it.
func parseHeader(b []byte) (h header, err error) {
	if len(b) < 2 {
		return h, errShortHeader
	}
	h.fin = b[0]&finBit != 0
	h.rsv1 = b[0]&rsv1Bit != 0
	h.rsv23 = b[0]&0x30 != 0
	h.op = b[0] & 0x0F
	h.masked = b[1]&maskBit != 0
	n := 2
	switch l := b[1] & 0x7F; l {
	case 126:
		if len(b) < 4 {
			return h, errShortHeader
		}
		h.length = int(binary.BigEndian.Uint16(b[2:]))
		n = 4
	case 127:
		if len(b) < 10 {
			return h, errShortHeader
		}
		v := binary.BigEndian.Uint64(b[2:])
		if v > 1<<40 { // far beyond anything a benchmark sends
			return h, errFrameLength
		}
		h.length = int(v)
		n = 10
	default:
		h.length = int(l)
	}
	if h.masked {
		if len(b) < n+4 {
			return h, errShortHeader
		}
		h.key = binary.LittleEndian.Uint32(b[n:])
		n += 4
	}
	h.size = n
	return h, nil
}

// appendHeader appends a frame header; key is used when masked.
func appendHeader(dst []byte, fin, rsv1 bool, op byte, length int, masked bool, key uint32) []byte {
	b0 := op
	if fin {
		b0 |= finBit
	}
	if rsv1 {
		b0 |= rsv1Bit
	}
	var b1 byte
	if masked {
		b1 = maskBit
	}
	switch {
	case length < 126:
		dst = append(dst, b0, b1|byte(length))
	case length <= 0xFFFF:
		dst = append(dst, b0, b1|126, byte(length>>8), byte(length))
	default:
		dst = append(dst, b0, b1|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(length))
	}
	if masked {
		dst = binary.LittleEndian.AppendUint32(dst, key)
	}
	return dst
}

// appendMasked appends src XORed with the masking key (as a little-endian
// word: byte i of the payload is XORed with byte i%4 of the key on the wire).
// The work is done on 64-bit words; only the tail goes byte by byte.
func appendMasked(dst, src []byte, key uint32) []byte {
	start := len(dst)
	dst = append(dst, src...) // one copy, then XOR in place
	xorKey(dst[start:], key)
	return dst
}

// xorKey XORs b in place with the key cycle starting at position 0 and
// returns the key rotated to the position after b, for a payload that is
// unmasked piece by piece.
func xorKey(b []byte, key uint32) uint32 {
	k := uint64(key) | uint64(key)<<32
	i := 0
	for ; i+32 <= len(b); i += 32 {
		w := b[i : i+32 : i+32]
		binary.LittleEndian.PutUint64(w[0:], binary.LittleEndian.Uint64(w[0:])^k)
		binary.LittleEndian.PutUint64(w[8:], binary.LittleEndian.Uint64(w[8:])^k)
		binary.LittleEndian.PutUint64(w[16:], binary.LittleEndian.Uint64(w[16:])^k)
		binary.LittleEndian.PutUint64(w[24:], binary.LittleEndian.Uint64(w[24:])^k)
	}
	for ; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], binary.LittleEndian.Uint64(b[i:])^k)
	}
	for j := 0; i < len(b); i, j = i+1, j+1 {
		b[i] ^= byte(key >> (8 * (j & 3)))
	}
	return bits.RotateLeft32(key, -8*(len(b)&3))
}
