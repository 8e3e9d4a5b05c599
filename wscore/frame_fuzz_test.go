package wscore

import (
	"bytes"
	"testing"
)

// FuzzFrameHeader checks parseFrameHeader against appendFrameHeader on
// arbitrary bytes: a parsed header never claims more bytes than it was given
// or a negative length, and re-encodes to the very same bytes when the input
// used the minimal length encoding (RFC 6455 5.2 requires it of senders; the
// reader accepts the others), otherwise to a shorter header that parses back
// to the same values.
func FuzzFrameHeader(f *testing.F) {
	for _, seed := range [][]byte{
		{0x81, 0x05},                                        // text, 5 bytes, unmasked
		{0x82, 0x85, 1, 2, 3, 4},                            // binary, masked
		{0x01, 0xFE, 0x01, 0x00, 9, 9, 9, 9},                // 16-bit length, not fin
		{0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0},                // 64-bit length 65536
		{0x82, 0x7E, 0x00, 0x05},                            // 16-bit length that fits in 7 bits
		{0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}, // top bit set
		{0xF9, 0x80},                                        // every RSV bit, ping, masked, key missing
		{0x88},                                              // one byte
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, n, err := parseFrameHeader(b)
		switch err {
		case errNeedMore:
			if n != 0 || len(b) >= maxFrameHeaderSize {
				t.Fatalf("need more after %d of %d bytes (n %d)", len(b), len(b), n)
			}
			return
		case errLengthOverflow:
			if len(b) < 10 || b[1]&0x7F != 127 || b[2]&0x80 == 0 {
				t.Fatalf("overflow reported for % x", b)
			}
			return
		case nil:
		default:
			t.Fatalf("unexpected error %v", err)
		}
		if n < 2 || n > len(b) || n > maxFrameHeaderSize {
			t.Fatalf("header of %d bytes from %d", n, len(b))
		}
		if h.length < 0 || h.opcode > 0x0F || h.rsv&^(bitRsv1|bitRsv2|bitRsv3) != 0 {
			t.Fatalf("header %+v", h)
		}
		enc := appendFrameHeader(nil, h.fin, h.rsv, h.opcode, int(h.length), h.masked, h.key)
		var minimal bool
		switch l := b[1] & 0x7F; {
		case l < 126:
			minimal = true
		case l == 126:
			minimal = h.length > 125
		default:
			minimal = h.length > 0xFFFF
		}
		if minimal {
			if !bytes.Equal(enc, b[:n]) {
				t.Fatalf("% x re-encodes as % x", b[:n], enc)
			}
			return
		}
		if len(enc) >= n {
			t.Fatalf("non-minimal % x re-encodes as % x, not shorter", b[:n], enc)
		}
		h2, n2, err := parseFrameHeader(enc)
		if err != nil || n2 != len(enc) || h2 != h {
			t.Fatalf("% x: %+v, re-encoded % x parses as %+v (%d, %v)", b[:n], h, enc, h2, n2, err)
		}
	})
}
