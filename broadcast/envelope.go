package broadcast

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// EnvelopeVersion is the version of the envelope format this package writes.
// Readers reject other versions, so a node running a newer format is noticed
// (DecodeErrors in Stats) instead of being misread.
const EnvelopeVersion = 1

// Envelope is what travels through the broker for one published message: the
// payload and what a receiving node needs to know about it.
//
// Wire format, version 1 (all integers big-endian):
//
//	byte 0      version (1)
//	byte 1      flags: bit 0 set for a binary payload; other bits must be 0
//	bytes 2-9   publish time, Unix nanoseconds (int64)
//	byte 10     length n of the origin node ID (0-255)
//	n bytes     origin node ID
//	rest        payload
type Envelope struct {
	// Origin is the node ID of the publishing Hub.
	Origin string
	// Published is when Publish was called on the origin node; receivers
	// compute the delivery lag from it (clocks of the nodes must agree).
	Published time.Time
	// Binary tells whether the payload is a binary message (else text).
	Binary bool
	// Payload is the message as the clients receive it.
	Payload []byte
}

const (
	envelopeHeader = 11
	flagBinary     = 1
	maxOriginLen   = 255
)

// Errors of ParseEnvelope; test with errors.Is.
var (
	ErrEnvelopeTruncated = errors.New("broadcast: envelope truncated")
	ErrEnvelopeVersion   = errors.New("broadcast: unknown envelope version")
	ErrEnvelopeFlags     = errors.New("broadcast: unknown envelope flags")
)

// AppendEnvelope appends the encoding of e to b. An origin longer than 255
// bytes is an error.
func AppendEnvelope(b []byte, e Envelope) ([]byte, error) {
	if len(e.Origin) > maxOriginLen {
		return b, fmt.Errorf("broadcast: envelope origin is %d bytes, at most %d", len(e.Origin), maxOriginLen)
	}
	var flags byte
	if e.Binary {
		flags |= flagBinary
	}
	var ts int64
	if !e.Published.IsZero() {
		ts = e.Published.UnixNano()
	}
	b = append(b, EnvelopeVersion, flags)
	b = binary.BigEndian.AppendUint64(b, uint64(ts))
	b = append(b, byte(len(e.Origin)))
	b = append(b, e.Origin...)
	return append(b, e.Payload...), nil
}

// ParseEnvelope decodes an envelope. The returned Payload shares data's
// memory. Malformed input gives an error wrapping ErrEnvelopeTruncated,
// ErrEnvelopeVersion or ErrEnvelopeFlags.
func ParseEnvelope(data []byte) (Envelope, error) {
	if len(data) < envelopeHeader {
		return Envelope{}, fmt.Errorf("%w: %d bytes, the header alone is %d", ErrEnvelopeTruncated, len(data), envelopeHeader)
	}
	if v := data[0]; v != EnvelopeVersion {
		return Envelope{}, fmt.Errorf("%w: %d (this node reads %d)", ErrEnvelopeVersion, v, EnvelopeVersion)
	}
	flags := data[1]
	if flags&^flagBinary != 0 {
		return Envelope{}, fmt.Errorf("%w: %#02x", ErrEnvelopeFlags, flags)
	}
	ts := int64(binary.BigEndian.Uint64(data[2:10]))
	n := int(data[10])
	if len(data) < envelopeHeader+n {
		return Envelope{}, fmt.Errorf("%w: origin of %d bytes, %d left", ErrEnvelopeTruncated, n, len(data)-envelopeHeader)
	}
	e := Envelope{
		Origin:  string(data[envelopeHeader : envelopeHeader+n]),
		Binary:  flags&flagBinary != 0,
		Payload: data[envelopeHeader+n:],
	}
	if ts != 0 {
		e.Published = time.Unix(0, ts)
	}
	return e, nil
}
