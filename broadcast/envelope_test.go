package broadcast

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestEnvelopeRoundTrip(t *testing.T) {
	now := time.Unix(1700000000, 123456789)
	for _, e := range []Envelope{
		{Origin: "node-1", Published: now, Binary: true, Payload: []byte{0, 1, 2, 255}},
		{Origin: "", Published: time.Time{}, Payload: []byte("text")},
		{Origin: strings.Repeat("o", 255), Published: now, Payload: nil},
	} {
		b, err := AppendEnvelope(nil, e)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseEnvelope(b)
		if err != nil {
			t.Fatalf("%+v: %v", e, err)
		}
		if got.Origin != e.Origin || !got.Published.Equal(e.Published) || got.Binary != e.Binary || !bytes.Equal(got.Payload, e.Payload) {
			t.Errorf("round trip of %+v gave %+v", e, got)
		}
	}
	if _, err := AppendEnvelope(nil, Envelope{Origin: strings.Repeat("o", 256)}); err == nil {
		t.Error("a 256-byte origin was encoded")
	}
}

func TestEnvelopeErrors(t *testing.T) {
	good, _ := AppendEnvelope(nil, Envelope{Origin: "abc", Payload: []byte("x")})
	for name, tc := range map[string]struct {
		data []byte
		want error
	}{
		"empty":           {nil, ErrEnvelopeTruncated},
		"short header":    {good[:10], ErrEnvelopeTruncated},
		"short origin":    {good[:12], ErrEnvelopeTruncated},
		"version 2":       {append([]byte{2}, good[1:]...), ErrEnvelopeVersion},
		"version 0":       {append([]byte{0}, good[1:]...), ErrEnvelopeVersion},
		"unknown flag":    {append([]byte{1, 0x80}, good[2:]...), ErrEnvelopeFlags},
		"json by mistake": {[]byte(`{"hello":"world"}`), ErrEnvelopeVersion},
	} {
		if _, err := ParseEnvelope(tc.data); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
}

// FuzzParseEnvelope: whatever arrives from the broker (another application
// may publish on the same channel) gives an envelope or an error, and an
// envelope encodes back to the same bytes.
func FuzzParseEnvelope(f *testing.F) {
	good, _ := AppendEnvelope(nil, Envelope{Origin: "node", Published: time.Unix(1, 2), Binary: true, Payload: []byte("hi")})
	f.Add(good)
	f.Add([]byte{})
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 200})
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseEnvelope(data)
		if err != nil {
			return
		}
		b, err := AppendEnvelope(nil, e)
		if err != nil {
			t.Fatalf("a parsed envelope does not encode: %v", err)
		}
		if !bytes.Equal(b, data) {
			t.Fatalf("re-encoding changed the bytes:\n%x\n%x", data, b)
		}
	})
}
