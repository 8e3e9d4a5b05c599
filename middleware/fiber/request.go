package wsfiber

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wsplug/wsplug/wscore"
)

// requestOf copies what the handshake needs out of c. Every string is a copy
// (string([]byte) or strings.Clone): fiber's getters may return strings that
// alias fasthttp's buffers, which the next request overwrites.
func requestOf(c *fiber.Ctx) *wscore.HandshakeRequest {
	fr := c.Request()
	h := make(http.Header, fr.Header.Len())
	for k, v := range fr.Header.All() {
		key := http.CanonicalHeaderKey(string(k))
		h[key] = append(h[key], string(v))
	}
	major, minor, ok := http.ParseHTTPVersion(string(fr.Header.Protocol()))
	if !ok {
		major, minor = 0, 0 // refused by the engine's HTTP/1.1 check
	}
	fc := c.Context()
	return &wscore.HandshakeRequest{
		Method:     string(fr.Header.Method()),
		RequestURI: string(fr.Header.RequestURI()),
		ProtoMajor: major,
		ProtoMinor: minor,
		Host:       string(fr.Header.Host()),
		Header:     h,
		RemoteAddr: fc.RemoteAddr().String(), // the TCP peer, never a proxy header
		TLS:        fc.IsTLS(),
		Params:     params(c),
		Values:     locals(c),
	}
}

func params(c *fiber.Ctx) map[string]string {
	r := c.Route()
	if r == nil || len(r.Params) == 0 {
		return nil
	}
	m := make(map[string]string, len(r.Params))
	for _, name := range r.Params {
		m[strings.Clone(name)] = strings.Clone(c.Params(name))
	}
	return m
}

// locals copies fiber's Locals with string keys (the only ones a
// map[string]any can carry). String and []byte values are cloned: fiber's
// getters (c.Params, c.Get, Header.Peek...) return them aliasing fasthttp's
// buffers, which the next request overwrites. Other values are the
// application's own.
func locals(c *fiber.Ctx) map[string]any {
	var m map[string]any
	c.Context().VisitUserValuesAll(func(k, v any) {
		key, ok := k.(string)
		if !ok {
			return
		}
		switch x := v.(type) {
		case string:
			v = strings.Clone(x)
		case []byte:
			v = bytes.Clone(x)
		}
		if m == nil {
			m = map[string]any{}
		}
		m[strings.Clone(key)] = v
	})
	return m
}

// serveHijacked runs the connection fasthttp handed over. fasthttp gives a
// wrapper whose Close does nothing and whose reads go through its buffered
// reader; the engine gets the socket itself (so Close, CloseWrite and reads
// without an idle buffer work) plus the bytes fasthttp had read ahead.
// fasthttp closes the socket when this returns, which is after the connection
// has ended.
func serveHijacked(h *wscore.Handshake, hc net.Conn) {
	u, ok := hc.(interface{ UnsafeConn() net.Conn })
	if !ok {
		h.Serve(hc, nil)
		return
	}
	raw := u.UnsafeConn()
	h.Serve(raw, readAhead(hc, raw))
}

// maxReadAhead bounds what readAhead takes: fasthttp's read buffer is 4 KiB
// unless configured larger.
const maxReadAhead = 1 << 20

// readAhead drains the bytes fasthttp's reader holds beyond the request head
// (a client's first frames, sent right behind its handshake). The socket's
// read deadline is set in the past, so once the buffer is empty the read
// fails at once without consuming anything from the socket.
func readAhead(hc, raw net.Conn) *bufio.Reader {
	if raw.SetReadDeadline(time.Unix(1, 0)) != nil {
		return nil
	}
	defer raw.SetReadDeadline(time.Time{})
	var pending []byte
	buf := make([]byte, 4096)
	for len(pending) < maxReadAhead {
		n, err := hc.Read(buf)
		pending = append(pending, buf[:n]...)
		if err != nil || n == 0 {
			break
		}
	}
	if len(pending) == 0 {
		return nil
	}
	br := bufio.NewReaderSize(bytes.NewReader(pending), len(pending))
	br.Peek(len(pending)) // buffered, as Serve expects
	return br
}
