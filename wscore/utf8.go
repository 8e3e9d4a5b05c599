package wscore

import "unicode/utf8"

// utf8Validator checks a UTF-8 stream that arrives in pieces: the pieces of one
// frame as they come off the network, and the frames of a fragmented message. It
// reports an error at the first piece that cannot be the start of valid UTF-8, so a
// bad text message is failed without waiting for the rest of it (RFC 6455 section
// 8.1 and the Autobahn "fail fast" cases).
//
// The zero value is ready for the start of a message.
type utf8Validator struct {
	need   uint8 // continuation bytes still expected for the current character
	lo, hi byte  // allowed range of the next continuation byte
}

// reset prepares the validator for a new message.
func (v *utf8Validator) reset() { *v = utf8Validator{} }

// complete reports whether the bytes seen so far end on a character boundary.
func (v *utf8Validator) complete() bool { return v.need == 0 }

// write feeds p and reports whether everything seen so far is a valid prefix of a
// UTF-8 string.
func (v *utf8Validator) write(p []byte) bool {
	// Finish a character that an earlier piece started.
	for v.need > 0 && len(p) > 0 {
		if !v.step(p[0]) {
			return false
		}
		p = p[1:]
	}
	if len(p) == 0 {
		return true
	}
	// The standard library validates whole characters fast (eight ASCII bytes at
	// a time); hold back a trailing character that is cut off by the piece's end.
	tail := incompleteTail(p)
	if !utf8.Valid(p[:tail]) {
		return false
	}
	for _, b := range p[tail:] {
		if !v.step(b) {
			return false
		}
	}
	return true
}

// step advances the validator by one byte. Lead bytes set the number of
// continuation bytes and the range of the first one, which excludes overlong
// forms, UTF-16 surrogates and code points above U+10FFFF (RFC 3629 section 4).
func (v *utf8Validator) step(b byte) bool {
	if v.need > 0 {
		if b < v.lo || b > v.hi {
			return false
		}
		v.need--
		v.lo, v.hi = 0x80, 0xBF
		return true
	}
	switch {
	case b < 0x80:
		return true
	case b >= 0xC2 && b <= 0xDF:
		v.need, v.lo, v.hi = 1, 0x80, 0xBF
	case b == 0xE0:
		v.need, v.lo, v.hi = 2, 0xA0, 0xBF
	case b == 0xED:
		v.need, v.lo, v.hi = 2, 0x80, 0x9F
	case b >= 0xE1 && b <= 0xEF:
		v.need, v.lo, v.hi = 2, 0x80, 0xBF
	case b == 0xF0:
		v.need, v.lo, v.hi = 3, 0x90, 0xBF
	case b >= 0xF1 && b <= 0xF3:
		v.need, v.lo, v.hi = 3, 0x80, 0xBF
	case b == 0xF4:
		v.need, v.lo, v.hi = 3, 0x80, 0x8F
	default: // stray continuation byte, C0, C1, F5..FF
		return false
	}
	return true
}

// incompleteTail returns the index where a multi-byte character that is not
// complete within p begins, or len(p) when p ends on a character boundary (or in
// bytes that are invalid anyway, which utf8.Valid will then reject).
func incompleteTail(p []byte) int {
	// A character is at most 4 bytes, so its lead byte is among the last 3.
	for i := len(p) - 1; i >= 0 && i >= len(p)-3; i-- {
		b := p[i]
		if b < 0x80 {
			return len(p) // ASCII: nothing is cut off
		}
		if b >= 0xC0 { // a lead byte
			var size int
			switch {
			case b >= 0xF0:
				size = 4
			case b >= 0xE0:
				size = 3
			default:
				size = 2
			}
			if len(p)-i < size {
				return i
			}
			return len(p)
		}
	}
	return len(p)
}
