package wscore

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

func TestFrameHeaderRoundTrip(t *testing.T) {
	t.Parallel()
	for _, length := range []int{0, 1, 125, 126, 127, 65535, 65536, 1 << 20, 1<<31 + 5} {
		for _, masked := range []bool{false, true} {
			key := [4]byte{1, 2, 3, 4}
			b := appendFrameHeader(nil, true, bitRsv1, opBinary, length, masked, key)
			want := 2
			switch {
			case length > 65535:
				want += 8
			case length > 125:
				want += 2
			}
			if masked {
				want += 4
			}
			if len(b) != want {
				t.Errorf("length %d masked %v: header of %d bytes, want %d (minimal encoding)", length, masked, len(b), want)
			}
			h, n, err := parseFrameHeader(b)
			if err != nil || n != len(b) {
				t.Fatalf("parse: %v, n=%d", err, n)
			}
			if !h.fin || h.rsv != bitRsv1 || h.opcode != opBinary || h.masked != masked || h.length != int64(length) || (masked && h.key != key) {
				t.Errorf("round trip of length %d: %+v", length, h)
			}
			// Every proper prefix asks for more bytes.
			for i := 0; i < len(b); i++ {
				if _, _, err := parseFrameHeader(b[:i]); err != errNeedMore {
					t.Errorf("prefix of %d bytes: %v, want errNeedMore", i, err)
				}
			}
		}
	}
	// The 64-bit length must not have its top bit set.
	bad := []byte{0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 1}
	if _, _, err := parseFrameHeader(bad); !errors.Is(err, errLengthOverflow) {
		t.Errorf("top bit set: %v", err)
	}
}

func TestMaskBytesMatchesNaive(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 3, 7, 8, 15, 16, 31, 32, 33, 100, 4096, 4099} {
		for pos := 0; pos < 4; pos++ {
			key := [4]byte{byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256))}
			b := make([]byte, n)
			for i := range b {
				b[i] = byte(rng.IntN(256))
			}
			want := bytes.Clone(b)
			for i := range want {
				want[i] ^= key[(pos+i)%4]
			}
			got := bytes.Clone(b)
			end := maskBytes(key, pos, got)
			if !bytes.Equal(got, want) || end != (pos+n)%4 {
				t.Fatalf("n=%d pos=%d: mismatch (end %d)", n, pos, end)
			}
			// Masking in arbitrary chunks equals masking at once.
			got = bytes.Clone(b)
			p := pos
			for off := 0; off < n; {
				k := min(1+rng.IntN(40), n-off)
				p = maskBytes(key, p, got[off:off+k])
				off += k
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("n=%d pos=%d: chunked masking differs", n, pos)
			}
		}
	}
}

func TestMaskKeySourceVaries(t *testing.T) {
	t.Parallel()
	s := newMaskKeySource()
	seen := map[[4]byte]bool{}
	for i := 0; i < 1000; i++ {
		seen[s.next()] = true
	}
	if len(seen) < 990 {
		t.Errorf("only %d distinct keys of 1000", len(seen))
	}
}
