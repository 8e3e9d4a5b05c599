package loadgen

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/flate"
)

// deflateOffer is what the load generator offers (RFC 7692): the extension with
// no limits on the server, and room for the server to limit our window.
const deflateOffer = "permessage-deflate; client_max_window_bits"

// deflateParams are the negotiated permessage-deflate parameters.
type deflateParams struct {
	serverNoTakeover bool
	clientNoTakeover bool
	clientWindowBits int // 8..15; 15 when not limited
}

// parseDeflateResponse reads the server's Sec-WebSocket-Extensions answer. It
// returns nil when permessage-deflate was not accepted.
func parseDeflateResponse(v string) (*deflateParams, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	if strings.Contains(v, ",") {
		return nil, fmt.Errorf("server accepted several extensions: %q", v)
	}
	parts := strings.Split(v, ";")
	if strings.TrimSpace(parts[0]) != "permessage-deflate" {
		return nil, fmt.Errorf("server accepted an extension that was not offered: %q", v)
	}
	p := &deflateParams{clientWindowBits: 15}
	seen := map[string]bool{}
	for _, param := range parts[1:] {
		name, value, hasValue := strings.Cut(strings.TrimSpace(param), "=")
		name = strings.TrimSpace(name)
		value = strings.Trim(strings.TrimSpace(value), `"`)
		if seen[name] {
			return nil, fmt.Errorf("parameter %s repeated in %q", name, v)
		}
		seen[name] = true
		switch name {
		case "server_no_context_takeover":
			p.serverNoTakeover = true
		case "client_no_context_takeover":
			p.clientNoTakeover = true
		case "server_max_window_bits":
			// Only limits the server's window: inflating with a 32 KiB
			// window reads it all the same.
		case "client_max_window_bits":
			bits, err := strconv.Atoi(value)
			if !hasValue || err != nil || bits < 8 || bits > 15 {
				return nil, fmt.Errorf("bad client_max_window_bits in %q", v)
			}
			p.clientWindowBits = bits
		default:
			return nil, fmt.Errorf("unknown permessage-deflate parameter in %q", v)
		}
	}
	return p, nil
}

// compressedSet holds every payload of a payloadSet compressed on its own
// (a fresh window per message), once, for one window size. The client never
// uses context takeover for what it sends, which RFC 7692 always allows: so
// it compresses nothing while measuring, and its cost does not cap the
// server's rate. The server inflates the same bytes whatever its settings.
type compressedSet struct {
	once sync.Once
	msgs [][]byte
	err  error
}

// compressed returns the payloads compressed with a window of 1<<bits bytes.
func (ps *payloadSet) compressed(bits int) ([][]byte, error) {
	ps.mu.Lock()
	cs := ps.byBits[bits]
	if cs == nil {
		cs = &compressedSet{}
		ps.byBits[bits] = cs
	}
	ps.mu.Unlock()
	cs.once.Do(func() { cs.msgs, cs.err = compressAll(ps.msgs, bits) })
	return cs.msgs, cs.err
}

func compressAll(msgs [][]byte, bits int) ([][]byte, error) {
	var buf bytes.Buffer
	var fw *flate.Writer
	var err error
	if bits < 15 {
		fw, err = flate.NewWriterWindow(&buf, 1<<bits)
	} else {
		fw, err = flate.NewWriter(&buf, flate.BestSpeed)
	}
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(msgs))
	for i, m := range msgs {
		buf.Reset()
		fw.Reset(&buf)
		if _, err := fw.Write(m); err != nil {
			return nil, err
		}
		if err := fw.Flush(); err != nil {
			return nil, err
		}
		b := buf.Bytes()
		if !bytes.HasSuffix(b, syncTail) {
			return nil, errors.New("deflate: flush did not end with a sync marker")
		}
		out[i] = bytes.Clone(b[:len(b)-len(syncTail)])
	}
	return out, nil
}

// syncTail ends a sync flush (RFC 7692 section 7.2.1 strips it from each
// message); finalBlock is an empty final stored block, which makes the
// inflater stop cleanly at the end of a message.
var (
	syncTail   = []byte{0x00, 0x00, 0xff, 0xff}
	finalBlock = []byte{0x01, 0x00, 0x00, 0xff, 0xff}
)

// deflateState is a connection's compression state.
type deflateState struct {
	windowBits int  // the client's window, for the precompressed payloads
	takeover   bool // the server keeps its window between messages

	// Verification: compressed echoes are inflated and compared for the
	// first verifyFirst messages and one in verifyEvery after that. With
	// context takeover the dictionary is rebuilt from the payloads the
	// server echoed compressed, which a correct server's window holds.
	seen uint64
	hist []int // payload indices of the compressed echoes, oldest first
	dict []byte
	fr   io.ReadCloser
	src  msgSource
	out  []byte
}

const (
	verifyFirst = 16
	verifyEvery = 16
	windowSize  = 32 << 10
)

func newDeflateState(p *deflateParams) *deflateState {
	d := &deflateState{windowBits: p.clientWindowBits, takeover: !p.serverNoTakeover}
	d.fr = flate.NewReader(&d.src)
	return d
}

// check takes a compressed echo of payload idx: it inflates and compares it
// when sampled, and records it in the window history.
func (d *deflateState) check(p []byte, idx int, ps *payloadSet) error {
	d.seen++
	if d.seen <= verifyFirst || d.seen%verifyEvery == 0 {
		var dict []byte
		if d.takeover {
			dict = d.buildDict(ps)
		}
		out, err := d.inflate(p, dict, len(ps.msgs[idx]))
		if err != nil {
			return err
		}
		if !bytes.Equal(out, ps.msgs[idx]) {
			return fmt.Errorf("wrong echo: inflated to %d bytes, want %d", len(out), len(ps.msgs[idx]))
		}
	}
	if d.takeover {
		// Keep enough entries to cover the window.
		keep := windowSize/max(len(ps.msgs[idx]), 1) + 2
		if len(d.hist) >= 2*keep {
			d.hist = append(d.hist[:0], d.hist[len(d.hist)-keep:]...)
		}
		d.hist = append(d.hist, idx)
	}
	return nil
}

// buildDict concatenates the last 32 KiB of what the server compressed.
func (d *deflateState) buildDict(ps *payloadSet) []byte {
	n, first := 0, len(d.hist)
	for first > 0 && n < windowSize {
		first--
		n += len(ps.msgs[d.hist[first]])
	}
	d.dict = d.dict[:0]
	for _, i := range d.hist[first:] {
		d.dict = append(d.dict, ps.msgs[i]...)
	}
	return d.dict
}

// inflate decompresses one message; the result is valid until the next call.
func (d *deflateState) inflate(p, dict []byte, want int) ([]byte, error) {
	d.src.reset(p)
	if err := d.fr.(flate.Resetter).Reset(&d.src, dict); err != nil {
		return nil, err
	}
	out := d.out[:0]
	for {
		if len(out) == cap(out) {
			out = append(out, 0)[:len(out)]
		}
		n, err := d.fr.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if len(out) > want {
			return nil, fmt.Errorf("wrong echo: inflates to more than the %d bytes sent", want)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("inflate: %w", err)
		}
	}
	d.out = out
	return out, nil
}

// msgSource serves one compressed message followed by the sync tail and an
// empty final block. It is an io.ByteReader, so the inflater reads no further.
type msgSource struct {
	parts [3][]byte
	i     int
}

func (s *msgSource) reset(p []byte) {
	s.parts = [3][]byte{p, syncTail, finalBlock}
	s.i = 0
}

func (s *msgSource) Read(b []byte) (int, error) {
	for s.i < len(s.parts) && len(s.parts[s.i]) == 0 {
		s.i++
	}
	if s.i == len(s.parts) {
		return 0, io.EOF
	}
	n := copy(b, s.parts[s.i])
	s.parts[s.i] = s.parts[s.i][n:]
	return n, nil
}

func (s *msgSource) ReadByte() (byte, error) {
	for s.i < len(s.parts) && len(s.parts[s.i]) == 0 {
		s.i++
	}
	if s.i == len(s.parts) {
		return 0, io.EOF
	}
	c := s.parts[s.i][0]
	s.parts[s.i] = s.parts[s.i][1:]
	return c, nil
}
