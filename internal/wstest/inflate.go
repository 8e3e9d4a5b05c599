package wstest

import (
	"errors"
	"fmt"
)

// Inflater decodes the raw DEFLATE data (RFC 1951) of permessage-deflate
// messages as a receiver does (RFC 7692 7.2.2), written from the RFC without
// any compression library, so tests can look at what a peer really sent: it
// records the farthest back-reference of every message, which must never
// exceed the sender's negotiated window. It keeps the LZ77 history across
// messages (context takeover) until Reset. It is slow and meant for tests.
type Inflater struct {
	hist []byte // the last 32 KiB of output, for back-references

	// MaxDistance is the farthest back-reference of the last message.
	MaxDistance int
	// Blocks counts the blocks of the last message by type: stored, fixed,
	// dynamic.
	Blocks [3]int
}

// Reset forgets the history: the next message must not refer to earlier ones.
func (f *Inflater) Reset() { f.hist = f.hist[:0] }

const maxHistory = 32 << 10

// Message inflates one message's payload: the tail 0x00 0x00 0xff 0xff is
// appended and blocks are decoded until the input ends on a block boundary or
// a final block ends. A back-reference before the start of the history, a
// truncated block or any malformed code is an error.
func (f *Inflater) Message(payload []byte) ([]byte, error) {
	f.MaxDistance, f.Blocks = 0, [3]int{}
	in := append(append([]byte(nil), payload...), 0x00, 0x00, 0xff, 0xff)
	d := decoder{in: in, out: append([]byte(nil), f.hist...)}
	start := len(d.out)
	for {
		final, err := d.block(f)
		if err != nil {
			return nil, err
		}
		if final || (d.pos == len(d.in) && d.nbits == 0) {
			break
		}
		if d.pos >= len(d.in) && d.nbits < 8 && d.bits == 0 {
			break // only padding left
		}
	}
	out := d.out[start:]
	h := d.out
	if len(h) > maxHistory {
		h = h[len(h)-maxHistory:]
	}
	f.hist = append(f.hist[:0], h...)
	return append([]byte(nil), out...), nil
}

var errTruncated = errors.New("inflate: input ends inside a block")

type decoder struct {
	in    []byte
	pos   int
	bits  uint32
	nbits uint
	out   []byte
}

func (d *decoder) need(n uint) error {
	for d.nbits < n {
		if d.pos >= len(d.in) {
			return errTruncated
		}
		d.bits |= uint32(d.in[d.pos]) << d.nbits
		d.pos++
		d.nbits += 8
	}
	return nil
}

func (d *decoder) take(n uint) (int, error) {
	if err := d.need(n); err != nil {
		return 0, err
	}
	v := d.bits & (1<<n - 1)
	d.bits >>= n
	d.nbits -= n
	return int(v), nil
}

// huffman is a canonical Huffman code: how many codes have each length, and
// the symbols in code order.
type huffman struct {
	count  [16]int
	symbol []int
}

func newHuffman(lengths []int) (*huffman, error) {
	h := &huffman{symbol: make([]int, 0, len(lengths))}
	for _, l := range lengths {
		h.count[l]++
	}
	h.count[0] = 0
	left := 1
	for l := 1; l < 16; l++ {
		left = left<<1 - h.count[l]
		if left < 0 {
			return nil, errors.New("inflate: over-subscribed Huffman code")
		}
	}
	for l := 1; l < 16; l++ {
		for s, sl := range lengths {
			if sl == l {
				h.symbol = append(h.symbol, s)
			}
		}
	}
	return h, nil
}

// decode reads one symbol: codes of each length are consecutive integers, the
// first of length l following the last of length l-1, doubled. It looks at up
// to 15 buffered bits and consumes only the code's own.
func (d *decoder) decode(h *huffman) (int, error) {
	for d.nbits < 15 && d.pos < len(d.in) {
		d.bits |= uint32(d.in[d.pos]) << d.nbits
		d.pos++
		d.nbits += 8
	}
	code, first, index := 0, 0, 0
	bits := d.bits
	for l := uint(1); l < 16; l++ {
		if l > d.nbits {
			return 0, errTruncated
		}
		code |= int(bits & 1)
		bits >>= 1
		n := h.count[l]
		if code-first < n {
			d.bits >>= l
			d.nbits -= l
			return h.symbol[index+code-first], nil
		}
		index += n
		first = (first + n) << 1
		code <<= 1
	}
	return 0, errors.New("inflate: invalid Huffman code")
}

var (
	lengthBase  = [29]int{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra = [29]uint{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase    = [30]int{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra   = [30]uint{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	clOrder     = [19]int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
)

var fixedLit, fixedDist = func() (*huffman, *huffman) {
	l := make([]int, 288)
	for i := range l {
		switch {
		case i < 144:
			l[i] = 8
		case i < 256:
			l[i] = 9
		case i < 280:
			l[i] = 7
		default:
			l[i] = 8
		}
	}
	dl := make([]int, 30)
	for i := range dl {
		dl[i] = 5
	}
	lit, _ := newHuffman(l)
	dist, _ := newHuffman(dl)
	return lit, dist
}()

// block decodes one block and reports whether it was the final one.
func (d *decoder) block(f *Inflater) (bool, error) {
	final, err := d.take(1)
	if err != nil {
		return false, err
	}
	typ, err := d.take(2)
	if err != nil {
		return false, err
	}
	switch typ {
	case 0:
		f.Blocks[0]++
		err = d.stored()
	case 1:
		f.Blocks[1]++
		err = d.codes(f, fixedLit, fixedDist)
	case 2:
		f.Blocks[2]++
		var lit, dist *huffman
		if lit, dist, err = d.dynamic(); err == nil {
			err = d.codes(f, lit, dist)
		}
	default:
		err = errors.New("inflate: reserved block type 3")
	}
	return final == 1, err
}

func (d *decoder) stored() error {
	// Skip to the byte boundary; whole bytes already buffered are given back.
	d.pos -= int(d.nbits / 8)
	d.bits, d.nbits = 0, 0
	if d.pos+4 > len(d.in) {
		return errTruncated
	}
	n := int(d.in[d.pos]) | int(d.in[d.pos+1])<<8
	nn := int(d.in[d.pos+2]) | int(d.in[d.pos+3])<<8
	d.pos += 4
	if n != ^nn&0xffff {
		return fmt.Errorf("inflate: stored block length %d does not match its complement", n)
	}
	if d.pos+n > len(d.in) {
		return errTruncated
	}
	d.out = append(d.out, d.in[d.pos:d.pos+n]...)
	d.pos += n
	return nil
}

func (d *decoder) dynamic() (*huffman, *huffman, error) {
	hlit, err := d.take(5)
	if err != nil {
		return nil, nil, err
	}
	hdist, err := d.take(5)
	if err != nil {
		return nil, nil, err
	}
	hclen, err := d.take(4)
	if err != nil {
		return nil, nil, err
	}
	nlit, ndist := hlit+257, hdist+1
	if nlit > 286 || ndist > 30 {
		return nil, nil, errors.New("inflate: too many length or distance codes")
	}
	var cl [19]int
	for i := 0; i < hclen+4; i++ {
		if cl[clOrder[i]], err = d.take(3); err != nil {
			return nil, nil, err
		}
	}
	clh, err := newHuffman(cl[:])
	if err != nil {
		return nil, nil, err
	}
	lengths := make([]int, nlit+ndist)
	for i := 0; i < len(lengths); {
		sym, err := d.decode(clh)
		if err != nil {
			return nil, nil, err
		}
		if sym < 16 {
			lengths[i] = sym
			i++
			continue
		}
		val, rep := 0, 0
		switch sym {
		case 16:
			if i == 0 {
				return nil, nil, errors.New("inflate: repeat with no previous length")
			}
			val = lengths[i-1]
			r, err := d.take(2)
			if err != nil {
				return nil, nil, err
			}
			rep = 3 + r
		case 17:
			r, err := d.take(3)
			if err != nil {
				return nil, nil, err
			}
			rep = 3 + r
		default:
			r, err := d.take(7)
			if err != nil {
				return nil, nil, err
			}
			rep = 11 + r
		}
		if i+rep > len(lengths) {
			return nil, nil, errors.New("inflate: code lengths overflow")
		}
		for ; rep > 0; rep-- {
			lengths[i] = val
			i++
		}
	}
	if lengths[256] == 0 {
		return nil, nil, errors.New("inflate: no end-of-block code")
	}
	lit, err := newHuffman(lengths[:nlit])
	if err != nil {
		return nil, nil, err
	}
	dist, err := newHuffman(lengths[nlit:])
	if err != nil {
		return nil, nil, err
	}
	return lit, dist, nil
}

func (d *decoder) codes(f *Inflater, lit, dist *huffman) error {
	for {
		sym, err := d.decode(lit)
		if err != nil {
			return err
		}
		switch {
		case sym < 256:
			d.out = append(d.out, byte(sym))
			continue
		case sym == 256:
			return nil
		case sym > 285:
			return fmt.Errorf("inflate: invalid length symbol %d", sym)
		}
		sym -= 257
		extra, err := d.take(lengthExtra[sym])
		if err != nil {
			return err
		}
		length := lengthBase[sym] + extra
		ds, err := d.decode(dist)
		if err != nil {
			return err
		}
		if ds >= 30 {
			return fmt.Errorf("inflate: invalid distance symbol %d", ds)
		}
		if extra, err = d.take(distExtra[ds]); err != nil {
			return err
		}
		distance := distBase[ds] + extra
		if distance > len(d.out) {
			return fmt.Errorf("inflate: back-reference %d bytes back, before the start of the history (%d bytes)", distance, len(d.out))
		}
		if distance > maxHistory {
			return fmt.Errorf("inflate: back-reference %d bytes back, beyond 32 KiB", distance)
		}
		f.MaxDistance = max(f.MaxDistance, distance)
		from := len(d.out) - distance
		for i := 0; i < length; i++ {
			d.out = append(d.out, d.out[from+i])
		}
	}
}
