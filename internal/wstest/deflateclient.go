package wstest

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/flate"
)

// DeflateClient is a RawClient speaking permessage-deflate (RFC 7692) on its
// own: it parses the server's answer itself, compresses with klauspost's flate
// at the window the server allowed, and inflates the server's messages with
// Inflater, recording the farthest back-reference the server used.
type DeflateClient struct {
	*RawClient
	Resp *http.Response
	// Extensions is the server's Sec-WebSocket-Extensions ("" when declined).
	Extensions string
	// The negotiated parameters, as the client reads them.
	ServerNoContextTakeover bool
	ClientNoContextTakeover bool
	ServerMaxWindowBits     int // 0: absent
	ClientMaxWindowBits     int // 0: absent
	// MaxDistance is the farthest back-reference of any message received.
	MaxDistance int
	// LastWire is the payload size on the wire of the last message received.
	LastWire int

	fw  *flate.Writer
	buf bytes.Buffer
	inf Inflater
}

// DialDeflate connects to addr and offers the given Sec-WebSocket-Extensions
// value. A non-101 answer is returned without error for the test to inspect.
func DialDeflate(addr, offer string) (*DeflateClient, error) {
	return DialDeflatePath(addr, "/", offer)
}

// DialDeflatePath is DialDeflate with the request path given, for a server
// that mounts its WebSocket handler somewhere other than "/".
func DialDeflatePath(addr, path, offer string) (*DeflateClient, error) {
	hs := Handshake{Path: path}
	if offer != "" {
		hs.Header = http.Header{"Sec-WebSocket-Extensions": {offer}}
	}
	rc, resp, err := Dial(addr, hs)
	if err != nil {
		return nil, err
	}
	c := &DeflateClient{RawClient: rc, Resp: resp}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return c, nil
	}
	lines := resp.Header.Values("Sec-WebSocket-Extensions")
	if len(lines) > 1 {
		rc.Close()
		return nil, fmt.Errorf("wstest: %d Sec-WebSocket-Extensions lines", len(lines))
	}
	if len(lines) == 1 {
		c.Extensions = lines[0]
		if err := c.parse(lines[0]); err != nil {
			rc.Close()
			return nil, err
		}
	}
	return c, nil
}

func (c *DeflateClient) parse(v string) error {
	parts := strings.Split(v, ";")
	if strings.TrimSpace(parts[0]) != "permessage-deflate" || strings.Contains(v, ",") {
		return fmt.Errorf("wstest: unexpected extension answer %q", v)
	}
	seen := map[string]bool{}
	for _, p := range parts[1:] {
		name, val, hasVal := strings.Cut(strings.TrimSpace(p), "=")
		name, val = strings.TrimSpace(name), strings.Trim(strings.TrimSpace(val), `"`)
		if seen[name] {
			return fmt.Errorf("wstest: %s repeated in %q", name, v)
		}
		seen[name] = true
		bits := 0
		if hasVal {
			n, err := strconv.Atoi(val)
			if err != nil || n < 8 || n > 15 {
				return fmt.Errorf("wstest: bad value in %q", v)
			}
			bits = n
		}
		switch {
		case name == "server_no_context_takeover" && !hasVal:
			c.ServerNoContextTakeover = true
		case name == "client_no_context_takeover" && !hasVal:
			c.ClientNoContextTakeover = true
		case name == "server_max_window_bits" && hasVal:
			c.ServerMaxWindowBits = bits
		case name == "client_max_window_bits" && hasVal:
			c.ClientMaxWindowBits = bits
		default:
			return fmt.Errorf("wstest: bad parameter %q in %q", p, v)
		}
	}
	return nil
}

// Compress returns the payload of one compressed message as this client
// sends it: DEFLATE at the allowed window, sync flush, tail removed; the
// history carries over unless the server asked for client_no_context_takeover.
func (c *DeflateClient) Compress(p []byte) []byte {
	var err error
	if c.fw == nil {
		if b := c.ClientMaxWindowBits; b != 0 && b < 15 {
			c.fw, err = flate.NewWriterWindow(&c.buf, 1<<b)
		} else {
			c.fw, err = flate.NewWriter(&c.buf, flate.DefaultCompression)
		}
		if err != nil {
			panic(err)
		}
	} else if c.ClientNoContextTakeover {
		c.fw.Reset(&c.buf)
	}
	c.buf.Reset()
	c.fw.Write(p)
	c.fw.Flush()
	b := c.buf.Bytes()
	if !bytes.HasSuffix(b, []byte{0, 0, 0xff, 0xff}) {
		panic("wstest: sync flush without its tail")
	}
	return append([]byte(nil), b[:len(b)-4]...)
}

// SendCompressed sends payload compressed, in frames of at most frag
// compressed bytes (0: one frame), RSV1 on the first.
func (c *DeflateClient) SendCompressed(op byte, payload []byte, frag int) error {
	return c.SendFrames(op, 4, c.Compress(payload), frag)
}

// SendFrames sends an already encoded payload as one message in frames of at
// most frag bytes (0: one frame); rsv goes on the first frame.
func (c *DeflateClient) SendFrames(op, rsv byte, z []byte, frag int) error {
	if frag <= 0 || frag > len(z) {
		frag = max(len(z), 1)
	}
	var out []byte
	for first := true; first || len(z) > 0; first = false {
		n := min(frag, len(z))
		f := Frame{Fin: n == len(z), Op: OpContinuation, Payload: z[:n]}
		if first {
			f.Op, f.Rsv = op, rsv
		}
		out = append(out, c.EncodeFrame(f)...)
		z = z[n:]
	}
	_, err := c.Conn.Write(out)
	return err
}

// ErrBadRSV is returned by ReadMessage for reserved bits where RFC 7692 forbids
// them.
var ErrBadRSV = errors.New("wstest: reserved bits on a frame where RFC 7692 forbids them")

// ReadMessage reads the next data message, inflating it when its first frame
// has RSV1; control frames other than close are skipped. A close frame is
// returned with op OpClose.
func (c *DeflateClient) ReadMessage(timeout time.Duration) (op byte, payload []byte, compressed bool, err error) {
	deadline := time.Now().Add(timeout)
	var z []byte
	for first := true; ; {
		f, err := c.ReadFrame(time.Until(deadline))
		if err != nil {
			return 0, nil, false, err
		}
		if f.Op >= 8 {
			if f.Rsv != 0 {
				return 0, nil, false, ErrBadRSV
			}
			if f.Op == OpClose {
				return OpClose, f.Payload, false, nil
			}
			continue
		}
		if first {
			op, compressed = f.Op, f.Rsv == 4
			if f.Rsv != 0 && !compressed || c.Extensions == "" && f.Rsv != 0 {
				return 0, nil, false, ErrBadRSV
			}
			first = false
		} else if f.Rsv != 0 {
			return 0, nil, false, ErrBadRSV
		}
		z = append(z, f.Payload...)
		if f.Fin {
			break
		}
	}
	c.LastWire = len(z)
	if !compressed {
		if z == nil {
			z = []byte{}
		}
		return op, z, false, nil
	}
	if c.ServerNoContextTakeover {
		c.inf.Reset()
	}
	if len(z) == 0 {
		return op, []byte{}, true, nil
	}
	out, err := c.inf.Message(z)
	if err != nil {
		return 0, nil, true, err
	}
	c.MaxDistance = max(c.MaxDistance, c.inf.MaxDistance)
	return op, out, true, nil
}
