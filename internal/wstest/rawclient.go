package wstest

import (
	"bufio"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// Opcodes.
const (
	OpContinuation = 0x0
	OpText         = 0x1
	OpBinary       = 0x2
	OpClose        = 0x8
	OpPing         = 0x9
	OpPong         = 0xA
)

// Frame is one WebSocket frame as the raw client writes or reads it.
type Frame struct {
	Fin     bool
	Rsv     byte // the three reserved bits as a number 0..7 (RSV1 = 4)
	Op      byte
	Payload []byte
	Masked  bool
	Key     [4]byte
}

// RawClient is a minimal WebSocket client for tests: it speaks exactly the
// bytes it is told to, so it can break the protocol on purpose.
type RawClient struct {
	Conn net.Conn
	BR   *bufio.Reader
	// Unmasked sends frames without a mask (to test the server's check).
	Unmasked bool
}

// Handshake is a request the raw client sends.
type Handshake struct {
	Path   string
	Host   string
	Header http.Header // added to the standard headers; a key with an empty value removes it
	Raw    string      // when set, sent verbatim (ADDR replaced by the server's address) instead of a generated request
}

// Dial connects to addr and performs the opening handshake. It returns the
// response; a non-101 response is not an error (the test inspects it).
func Dial(addr string, hs Handshake) (*RawClient, *http.Response, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, nil, err
	}
	c := &RawClient{Conn: conn, BR: bufio.NewReaderSize(conn, 64<<10)}
	resp, err := c.Handshake(hs)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	return c, resp, nil
}

// NewKey returns a random Sec-WebSocket-Key.
func NewKey() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// AcceptFor computes the expected Sec-WebSocket-Accept.
func AcceptFor(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h[:])
}

// Request is the request head hs stands for, sent to a server at addr:
// Raw with ADDR replaced by addr, or a generated upgrade request (a fresh
// Sec-WebSocket-Key each call). Tests that must send it some other way (a
// byte at a time, say) write it themselves.
func (hs Handshake) Request(addr string) string {
	if hs.Raw != "" {
		return strings.ReplaceAll(hs.Raw, "ADDR", addr)
	}
	path := hs.Path
	if path == "" {
		path = "/"
	}
	host := hs.Host
	if host == "" {
		host = addr
	}
	h := http.Header{
		"Upgrade":               {"websocket"},
		"Connection":            {"Upgrade"},
		"Sec-WebSocket-Key":     {NewKey()},
		"Sec-WebSocket-Version": {"13"},
	}
	for k, vs := range hs.Header {
		if len(vs) == 1 && vs[0] == "" {
			delete(h, http.CanonicalHeaderKey(k))
			delete(h, k)
			for hk := range h {
				if strings.EqualFold(hk, k) {
					delete(h, hk)
				}
			}
			continue
		}
		h[k] = vs
	}
	var b strings.Builder
	fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\n", path, host)
	for k, vs := range h {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	b.WriteString("\r\n")
	return b.String()
}

// Handshake sends the request and reads the response head.
func (c *RawClient) Handshake(hs Handshake) (*http.Response, error) {
	req := hs.Request(c.Conn.RemoteAddr().String())
	c.Conn.SetDeadline(time.Now().Add(5 * time.Second))
	defer c.Conn.SetDeadline(time.Time{})
	if _, err := io.WriteString(c.Conn, req); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(c.BR, nil)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		// Read the (short) body so the test can look at it.
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		resp.Body = io.NopCloser(strings.NewReader(string(body)))
	}
	return resp, nil
}

// EncodeFrame encodes f; masked unless the client is Unmasked. A zero key is
// replaced by a random one.
func (c *RawClient) EncodeFrame(f Frame) []byte {
	if !c.Unmasked {
		f.Masked = true
		if f.Key == ([4]byte{}) {
			rand.Read(f.Key[:])
		}
	}
	return EncodeFrame(f)
}

// EncodeFrame encodes a frame as given (masked only if f.Masked).
func EncodeFrame(f Frame) []byte {
	var b []byte
	b0 := f.Rsv<<4 | f.Op
	if f.Fin {
		b0 |= 0x80
	}
	var mbit byte
	if f.Masked {
		mbit = 0x80
	}
	n := len(f.Payload)
	switch {
	case n < 126:
		b = append(b, b0, mbit|byte(n))
	case n < 1<<16:
		b = append(b, b0, mbit|126, byte(n>>8), byte(n))
	default:
		b = append(b, b0, mbit|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	if f.Masked {
		b = append(b, f.Key[:]...)
		start := len(b)
		b = append(b, f.Payload...)
		for i := range f.Payload {
			b[start+i] ^= f.Key[i%4]
		}
		return b
	}
	return append(b, f.Payload...)
}

// WriteFrame sends one frame.
func (c *RawClient) WriteFrame(f Frame) error {
	_, err := c.Conn.Write(c.EncodeFrame(f))
	return err
}

// WriteChopped sends a frame's bytes in pieces of chop bytes, sleeping delay
// between pieces (Autobahn's chopsize).
func (c *RawClient) WriteChopped(f Frame, chop int, delay time.Duration) error {
	b := c.EncodeFrame(f)
	for len(b) > 0 {
		n := min(chop, len(b))
		if _, err := c.Conn.Write(b[:n]); err != nil {
			return err
		}
		b = b[n:]
		if delay > 0 && len(b) > 0 {
			time.Sleep(delay)
		}
	}
	return nil
}

// Text and Binary build whole unfragmented messages.
func Text(s string) Frame   { return Frame{Fin: true, Op: OpText, Payload: []byte(s)} }
func Binary(b []byte) Frame { return Frame{Fin: true, Op: OpBinary, Payload: b} }
func Ping(b []byte) Frame   { return Frame{Fin: true, Op: OpPing, Payload: b} }
func Pong(b []byte) Frame   { return Frame{Fin: true, Op: OpPong, Payload: b} }
func CloseFrame(code int, reason string) Frame {
	var p []byte
	if code != 0 {
		p = binary.BigEndian.AppendUint16(nil, uint16(code))
		p = append(p, reason...)
	}
	return Frame{Fin: true, Op: OpClose, Payload: p}
}

// ReadFrame reads one frame from the server within timeout.
func (c *RawClient) ReadFrame(timeout time.Duration) (Frame, error) {
	c.Conn.SetReadDeadline(time.Now().Add(timeout))
	defer c.Conn.SetReadDeadline(time.Time{})
	var f Frame
	var h [2]byte
	if _, err := io.ReadFull(c.BR, h[:]); err != nil {
		return f, err
	}
	f.Fin = h[0]&0x80 != 0
	f.Rsv = (h[0] >> 4) & 7
	f.Op = h[0] & 0x0F
	f.Masked = h[1]&0x80 != 0
	n := uint64(h[1] & 0x7F)
	switch n {
	case 126:
		var e [2]byte
		if _, err := io.ReadFull(c.BR, e[:]); err != nil {
			return f, err
		}
		n = uint64(binary.BigEndian.Uint16(e[:]))
	case 127:
		var e [8]byte
		if _, err := io.ReadFull(c.BR, e[:]); err != nil {
			return f, err
		}
		n = binary.BigEndian.Uint64(e[:])
	}
	if f.Masked {
		if _, err := io.ReadFull(c.BR, f.Key[:]); err != nil {
			return f, err
		}
	}
	if n > 1<<30 {
		return f, fmt.Errorf("wstest: frame of %d bytes", n)
	}
	f.Payload = make([]byte, n)
	if _, err := io.ReadFull(c.BR, f.Payload); err != nil {
		return f, err
	}
	if f.Masked {
		for i := range f.Payload {
			f.Payload[i] ^= f.Key[i%4]
		}
	}
	return f, nil
}

// ReadMessage reads frames until a whole data message arrived, answering
// nothing; control frames in between are returned in controls.
func (c *RawClient) ReadMessage(timeout time.Duration) (op byte, payload []byte, controls []Frame, err error) {
	deadline := time.Now().Add(timeout)
	for {
		f, err := c.ReadFrame(time.Until(deadline))
		if err != nil {
			return 0, nil, controls, err
		}
		if f.Op >= 8 {
			controls = append(controls, f)
			if f.Op == OpClose {
				return OpClose, f.Payload, controls, nil
			}
			continue
		}
		if f.Op != OpContinuation {
			op = f.Op
		}
		payload = append(payload, f.Payload...)
		if f.Fin {
			if payload == nil {
				payload = []byte{}
			}
			return op, payload, controls, nil
		}
	}
}

// CloseCode decodes a close frame's payload (1005 when empty).
func CloseCode(p []byte) (int, string) {
	if len(p) < 2 {
		return 1005, ""
	}
	return int(binary.BigEndian.Uint16(p)), string(p[2:])
}

// ErrNotClosed is returned by WaitClosed when the server kept the connection.
var ErrNotClosed = errors.New("wstest: server did not close the TCP connection")

// WaitClosed reads until the server closes the TCP connection (EOF or reset)
// and returns the bytes that arrived meanwhile, or ErrNotClosed after timeout.
func (c *RawClient) WaitClosed(timeout time.Duration) ([]byte, error) {
	c.Conn.SetReadDeadline(time.Now().Add(timeout))
	defer c.Conn.SetReadDeadline(time.Time{})
	var got []byte
	buf := make([]byte, 4096)
	for {
		n, err := c.BR.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return got, ErrNotClosed
			}
			return got, nil
		}
	}
}

// Echo sends msg as one text message and expects it back, as text, within
// timeout.
func (c *RawClient) Echo(msg string, timeout time.Duration) error {
	if err := c.WriteFrame(Text(msg)); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	op, got, _, err := c.ReadMessage(timeout)
	if err != nil {
		return fmt.Errorf("echo: %w", err)
	}
	if op != OpText || string(got) != msg {
		return fmt.Errorf("echo: op %d, %d bytes, want text of %d", op, len(got), len(msg))
	}
	return nil
}

// ReadUntilClose reads frames, data or control, until the server's close
// frame arrives within timeout, and returns it.
func (c *RawClient) ReadUntilClose(timeout time.Duration) (Frame, error) {
	deadline := time.Now().Add(timeout)
	for {
		f, err := c.ReadFrame(time.Until(deadline))
		if err != nil || f.Op == OpClose {
			return f, err
		}
	}
}

// CloseHandshake runs a closing handshake the client starts: it sends a close
// frame with code, expects the server's close frame with the same code
// (pings and pongs before it are skipped; a data frame is an error), and then
// the server closing TCP with nothing more sent. Each of the two waits may
// take up to timeout. The connection is left to Close.
func (c *RawClient) CloseHandshake(code int, timeout time.Duration) error {
	if err := c.WriteFrame(CloseFrame(code, "")); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	deadline := time.Now().Add(timeout)
	for {
		f, err := c.ReadFrame(time.Until(deadline))
		if err != nil {
			return fmt.Errorf("close answer: %w", err)
		}
		if f.Op == OpClose {
			if got, _ := CloseCode(f.Payload); got != code {
				return fmt.Errorf("close answered with %d, want %d", got, code)
			}
			break
		}
		if f.Op < OpClose {
			return fmt.Errorf("close answer: a data frame (op %d) came first", f.Op)
		}
	}
	if rest, err := c.WaitClosed(timeout); err != nil || len(rest) > 0 {
		return fmt.Errorf("after the close: %d more bytes, %v", len(rest), err)
	}
	return nil
}

// Close drops the TCP connection.
func (c *RawClient) Close() error { return c.Conn.Close() }
