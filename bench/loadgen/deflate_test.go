package loadgen

import (
	"bytes"
	"strings"
	"testing"

	"github.com/klauspost/compress/flate"
)

func TestParseDeflateResponse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want *deflateParams
		err  string
	}{
		{"", nil, ""},
		{"permessage-deflate", &deflateParams{clientWindowBits: 15}, ""},
		{"permessage-deflate; server_no_context_takeover; client_no_context_takeover",
			&deflateParams{serverNoTakeover: true, clientNoTakeover: true, clientWindowBits: 15}, ""},
		{"permessage-deflate; client_max_window_bits=10; server_max_window_bits=12", &deflateParams{clientWindowBits: 10}, ""},
		{`permessage-deflate; client_max_window_bits="9"`, &deflateParams{clientWindowBits: 9}, ""},
		{"permessage-deflate; client_max_window_bits", nil, "bad client_max_window_bits"},
		{"permessage-deflate; client_max_window_bits=16", nil, "bad client_max_window_bits"},
		{"permessage-deflate; server_no_context_takeover; server_no_context_takeover", nil, "repeated"},
		{"permessage-deflate; foo", nil, "unknown"},
		{"x-webkit-deflate-frame", nil, "not offered"},
		{"permessage-deflate, permessage-deflate", nil, "several"},
	} {
		got, err := parseDeflateResponse(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want one containing %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if (got == nil) != (tc.want == nil) || (got != nil && *got != *tc.want) {
			t.Errorf("%q: %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

// serverStream compresses messages the way a server with (or without)
// context takeover does: one deflate stream, a sync flush per message, the
// tail stripped.
type serverStream struct {
	buf      bytes.Buffer
	fw       *flate.Writer
	takeover bool
}

func (s *serverStream) compress(t *testing.T, p []byte) []byte {
	t.Helper()
	if s.fw == nil {
		s.fw, _ = flate.NewWriter(&s.buf, flate.BestSpeed)
	}
	s.buf.Reset()
	if !s.takeover {
		s.fw.Reset(&s.buf)
	}
	s.fw.Write(p)
	if err := s.fw.Flush(); err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(bytes.TrimSuffix(s.buf.Bytes(), syncTail))
}

// A connection verifies compressed echoes with and without the server's
// context takeover (rebuilding the window from what it sent), and catches a
// wrong one when it samples it.
func TestDeflateCheck(t *testing.T) {
	t.Parallel()
	ps, err := newPayloadSet(PayloadJSON, 1024, false, 7)
	if err != nil {
		t.Fatal(err)
	}
	for _, takeover := range []bool{true, false} {
		srv := &serverStream{takeover: takeover}
		d := newDeflateState(&deflateParams{serverNoTakeover: !takeover, clientWindowBits: 15})
		// Enough messages to slide the 32 KiB window several times; the
		// window only works if every message is recorded, sampled or not.
		for i := range 300 {
			idx := (i * 3) % len(ps.msgs)
			if err := d.check(srv.compress(t, ps.msgs[idx]), idx, ps); err != nil {
				t.Fatalf("takeover %v, message %d: %v", takeover, i, err)
			}
		}
		// A sampled echo of the wrong payload is caught.
		d.seen = verifyEvery*100 - 1
		if err := d.check(srv.compress(t, ps.msgs[1]), 2, ps); err == nil || !strings.Contains(err.Error(), "wrong echo") {
			t.Errorf("takeover %v: wrong echo not caught: %v", takeover, err)
		}
	}
}

// Precompressed payloads inflate back, for every client window size.
func TestPrecompressed(t *testing.T) {
	t.Parallel()
	ps, err := newPayloadSet(PayloadJSON, 3000, false, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, bits := range []int{8, 12, 15} {
		wire, err := ps.compressed(bits)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := ps.compressed(bits)
		if &again[0] != &wire[0] {
			t.Error("compressed twice")
		}
		d := newDeflateState(&deflateParams{serverNoTakeover: true, clientWindowBits: bits})
		for i := range 20 {
			if len(wire[i]) >= len(ps.msgs[i]) {
				t.Errorf("bits %d: JSON did not compress: %d -> %d bytes", bits, len(ps.msgs[i]), len(wire[i]))
			}
			if err := d.check(wire[i], i, ps); err != nil {
				t.Fatalf("bits %d, message %d: %v", bits, i, err)
			}
		}
	}
}

// An inflated message larger than what was sent is refused before it is
// fully inflated.
func TestInflateBounded(t *testing.T) {
	t.Parallel()
	srv := &serverStream{}
	big := srv.compress(t, make([]byte, 1<<20))
	d := newDeflateState(&deflateParams{serverNoTakeover: true, clientWindowBits: 15})
	if _, err := d.inflate(big, nil, 1000); err == nil {
		t.Fatal("a 1 MiB message inflated where 1000 bytes were sent")
	}
	if cap(d.out) > 64<<10 {
		t.Errorf("inflated into %d bytes before refusing", cap(d.out))
	}
}
