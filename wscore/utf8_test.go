package wscore

import (
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

// The incremental validator must agree with utf8.Valid on every split of a
// string into pieces, and reject invalid input at the first piece that makes
// it impossible.
func TestUTF8ValidatorAgreesWithStdlib(t *testing.T) {
	t.Parallel()
	inputs := []string{
		"", "hello", "κόσμε", "\xce", "\xce\xba", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf4\x8f\xbf\xbf",
		"\xc0\xaf", "\xe0\x80\xaf", "\xf0\x80\x80\xaf", "\xef\xbf\xbf", "\xf0\x9f\x98\x80 emoji", "a\x80b",
		"\xe2\x82", "\xe2\x82\xac", "\xff", "\xf8\x88\x80\x80\x80", "Hello-µ@ßöäüàá-UTF-8!!",
	}
	for _, c := range utf8Cases {
		inputs = append(inputs, string(mustHex(c.hex)))
	}
	for _, s := range inputs {
		want := utf8.ValidString(s)
		b := []byte(s)
		for cut1 := 0; cut1 <= len(b); cut1++ {
			for cut2 := cut1; cut2 <= len(b); cut2++ {
				var v utf8Validator
				ok := v.write(b[:cut1]) && v.write(b[cut1:cut2]) && v.write(b[cut2:]) && v.complete()
				if ok != want {
					t.Fatalf("%q split at %d,%d: %v, want %v", s, cut1, cut2, ok, want)
				}
			}
		}
	}
}

// Fail fast: a prefix that cannot start valid UTF-8 is rejected at once.
func TestUTF8ValidatorFailsFast(t *testing.T) {
	t.Parallel()
	for _, prefix := range []string{"\xf4\x90", "\xed\xa0", "\xe0\x80", "\xc0", "\x80", "ok\xff", "\xf0\x80"} {
		var v utf8Validator
		if v.write([]byte(prefix)) {
			t.Errorf("prefix %q accepted", prefix)
		}
	}
	for _, prefix := range []string{"\xf4\x8f", "\xe2\x82", "\xce"} {
		var v utf8Validator
		if !v.write([]byte(prefix)) || v.complete() {
			t.Errorf("valid incomplete prefix %q: rejected or complete", prefix)
		}
	}
}

func TestUTF8ValidatorRandom(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte{0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf4, 0xf5, 0xff}
	for i := 0; i < 20000; i++ {
		b := make([]byte, rng.IntN(12))
		for j := range b {
			b[j] = alphabet[rng.IntN(len(alphabet))]
		}
		var v utf8Validator
		ok := true
		for off := 0; off < len(b) && ok; {
			k := min(1+rng.IntN(4), len(b)-off)
			ok = v.write(b[off : off+k])
			off += k
		}
		ok = ok && v.complete()
		if ok != utf8.Valid(b) {
			t.Fatalf("%x: %v, want %v", b, ok, utf8.Valid(b))
		}
	}
}
