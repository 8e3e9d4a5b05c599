package wscore

import (
	"encoding/binary"
	"errors"
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

// Bits of the first header byte.
const (
	bitFin  = 0x80
	bitRsv1 = 0x40
	bitRsv2 = 0x20
	bitRsv3 = 0x10
	bitMask = 0x80
)

// maxControlPayload is the largest payload a control frame may carry.
const maxControlPayload = 125

// maxFrameHeaderSize is 2 bytes of flags and length, 8 of extended length, 4 of mask key.
const maxFrameHeaderSize = 14

// frameHeader is the decoded fixed part of a frame. The payload follows it on the wire.
type frameHeader struct {
	fin    bool
	rsv    byte // the three reserved bits, in place (bitRsv1|bitRsv2|bitRsv3)
	opcode byte
	masked bool
	key    [4]byte
	length int64
}

func isControl(op byte) bool { return op&0x8 != 0 }

func isKnownOpcode(op byte) bool {
	switch op {
	case opContinuation, opText, opBinary, opClose, opPing, opPong:
		return true
	}
	return false
}

// errNeedMore is returned by parseFrameHeader when b does not hold a whole header yet.
var errNeedMore = errors.New("wscore: need more header bytes")

// errLengthOverflow is the 64-bit length with its most significant bit set, which
// RFC 6455 forbids.
var errLengthOverflow = errors.New("frame length has its most significant bit set")

// parseFrameHeader decodes the header at the start of b. It returns the header and
// the number of bytes it occupies, errNeedMore when b is too short, or
// errLengthOverflow. It does not judge the header against a connection's state:
// reserved bits, opcodes and masking rules are checked by the reader.
func parseFrameHeader(b []byte) (h frameHeader, n int, err error) {
	if len(b) < 2 {
		return h, 0, errNeedMore
	}
	b0, b1 := b[0], b[1]
	h.fin = b0&bitFin != 0
	h.rsv = b0 & (bitRsv1 | bitRsv2 | bitRsv3)
	h.opcode = b0 & 0x0F
	h.masked = b1&bitMask != 0
	n = 2
	switch l := b1 & 0x7F; l {
	case 126:
		if len(b) < 4 {
			return h, 0, errNeedMore
		}
		h.length = int64(binary.BigEndian.Uint16(b[2:4]))
		n = 4
	case 127:
		if len(b) < 10 {
			return h, 0, errNeedMore
		}
		v := binary.BigEndian.Uint64(b[2:10])
		if v>>63 != 0 {
			return h, 0, errLengthOverflow
		}
		h.length = int64(v)
		n = 10
	default:
		h.length = int64(l)
	}
	if h.masked {
		if len(b) < n+4 {
			return h, 0, errNeedMore
		}
		copy(h.key[:], b[n:n+4])
		n += 4
	}
	return h, n, nil
}

// appendFrameHeader appends the encoded header of a frame to dst. The length uses the
// smallest of the three encodings, as RFC 6455 requires.
func appendFrameHeader(dst []byte, fin bool, rsv, opcode byte, length int, masked bool, key [4]byte) []byte {
	b0 := rsv | opcode
	if fin {
		b0 |= bitFin
	}
	var b1 byte
	if masked {
		b1 = bitMask
	}
	switch {
	case length <= 125:
		dst = append(dst, b0, b1|byte(length))
	case length <= 0xFFFF:
		dst = append(dst, b0, b1|126, byte(length>>8), byte(length))
	default:
		dst = append(dst, b0, b1|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(length))
	}
	if masked {
		dst = append(dst, key[:]...)
	}
	return dst
}
