package loadgen

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"testing"
	"time"
)

// xorKey agrees with the byte-by-byte definition of RFC 6455 section 5.3 for
// every length around the word boundaries, and masks a payload split into
// pieces the same as whole.
func TestXorKeyMatchesDefinition(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 200; n++ {
		src := make([]byte, n)
		for i := range src {
			src[i] = byte(r.Uint32())
		}
		var key [4]byte
		binary.LittleEndian.PutUint32(key[:], r.Uint32())
		want := make([]byte, n)
		for i := range src {
			want[i] = src[i] ^ key[i%4]
		}
		got := appendMasked(nil, src, binary.LittleEndian.Uint32(key[:]))
		if !bytes.Equal(got, want) {
			t.Fatalf("length %d: masked %x, want %x", n, got, want)
		}
		// In pieces, carrying the rotated key.
		pieces := bytes.Clone(src)
		k := binary.LittleEndian.Uint32(key[:])
		for rest := pieces; len(rest) > 0; {
			cut := min(len(rest), 1+r.IntN(13))
			k = xorKey(rest[:cut], k)
			rest = rest[cut:]
		}
		if !bytes.Equal(pieces, want) {
			t.Fatalf("length %d in pieces: masked %x, want %x", n, pieces, want)
		}
	}
}

// Headers of every length class encode in the shortest form and parse back;
// a truncated header asks for more bytes.
func TestHeaderRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		length, size int
		masked       bool
	}{
		{0, 2, false}, {125, 2, false}, {126, 4, false}, {65535, 4, false},
		{65536, 10, false}, {1 << 30, 10, false}, {5, 6, true}, {300, 8, true}, {70000, 14, true},
	} {
		b := appendHeader(nil, true, true, opBinary, tc.length, tc.masked, 0xdeadbeef)
		if len(b) != tc.size {
			t.Errorf("length %d: header of %d bytes, want %d", tc.length, len(b), tc.size)
		}
		h, err := parseHeader(b)
		if err != nil {
			t.Fatalf("length %d: %v", tc.length, err)
		}
		if !h.fin || !h.rsv1 || h.rsv23 || h.op != opBinary || h.length != tc.length || h.masked != tc.masked || h.size != tc.size {
			t.Errorf("length %d: parsed %+v", tc.length, h)
		}
		if tc.masked && h.key != 0xdeadbeef {
			t.Errorf("key %x", h.key)
		}
		for cut := range len(b) {
			if _, err := parseHeader(b[:cut]); err != errShortHeader {
				t.Errorf("length %d cut at %d: %v, want errShortHeader", tc.length, cut, err)
			}
		}
	}
	if _, err := parseHeader([]byte{0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0}); err != errFrameLength {
		t.Errorf("huge length: %v", err)
	}
}

// Percentiles read from the histogram are within its 1/64 resolution.
func TestHistogramQuantiles(t *testing.T) {
	t.Parallel()
	var h histogram
	for i := 1; i <= 100000; i++ {
		h.record(time.Duration(i) * time.Microsecond)
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {0, time.Microsecond}} {
		got := h.quantile(tc.q)
		if d := got - tc.want; d < -tc.want/50 || d > tc.want/50 {
			t.Errorf("q%.2f = %v, want about %v", tc.q, got, tc.want)
		}
	}
	var other histogram
	other.record(time.Hour)
	h.merge(&other)
	if h.n != 100001 || h.quantile(1) < 59*time.Minute {
		t.Errorf("after merge: n %d, max %v", h.n, h.quantile(1))
	}
	if (&histogram{}).quantile(0.5) != 0 {
		t.Error("empty histogram has a median")
	}
	for v := uint64(0); v < 1<<20; v += 7 {
		if i := bucketOf(v); lowOf(i) > v || lowOf(i+1) <= v {
			t.Fatalf("value %d in bucket %d [%d, %d)", v, i, lowOf(i), lowOf(i+1))
		}
	}
}
