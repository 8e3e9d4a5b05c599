package wscore

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxResponseHead bounds the status line and headers of a handshake response
// (and of a proxy's CONNECT answer): a hostile server cannot make the client
// buffer more.
const maxResponseHead = 64 << 10

// clientHandshake is one opening handshake from the client side: the request
// it sends and what the response must satisfy.
type clientHandshake struct {
	url       *url.URL // ws:// or wss://
	httpURL   *url.URL // the same with http:// or https://, for cookie jars and proxies
	key       string   // Sec-WebSocket-Key
	version   int
	protocols []string // offered subprotocols
	offers    []DeflateOffer
	accept    func(DeflateResponse) bool
	deflate   *DeflateResponse // what the server accepted, after check
}

// parseDialURL checks a ws:// or wss:// URL (RFC 6455 section 3): a known
// scheme, a host, a valid port and no fragment.
func parseDialURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("wscore: bad URL %q: %w", raw, err)
	}
	switch u.Scheme {
	case "ws", "wss":
	case "":
		return nil, fmt.Errorf("wscore: bad URL %q: no scheme (want ws:// or wss://)", raw)
	default:
		return nil, fmt.Errorf("wscore: bad URL %q: scheme %q is not ws or wss", raw, u.Scheme)
	}
	if u.Opaque != "" {
		return nil, fmt.Errorf("wscore: bad URL %q: want %s://host/path", raw, u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("wscore: bad URL %q: no host", raw)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("wscore: bad URL %q: port %q is not 1-65535", raw, p)
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return nil, fmt.Errorf("wscore: bad URL %q: empty port", raw)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return nil, fmt.Errorf("wscore: bad URL %q: a WebSocket URL has no fragment", raw)
	}
	return u, nil
}

// hostPort is the address to connect to: the URL's host with the scheme's
// default port made explicit.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "wss" || u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

func newClientHandshake(u *url.URL, o *ClientOptions) *clientHandshake {
	hu := *u
	hu.User = nil
	hu.Scheme = "http"
	if u.Scheme == "wss" {
		hu.Scheme = "https"
	}
	var k [16]byte
	rand.Read(k[:])
	return &clientHandshake{
		url:       u,
		httpURL:   &hu,
		key:       base64.StdEncoding.EncodeToString(k[:]),
		version:   o.version(),
		protocols: o.Subprotocols,
		offers:    o.PerMessageCompressionOffers,
		accept:    o.PerMessageCompressionAccept,
	}
}

// appendRequest writes the opening handshake request (RFC 6455 section 4.1).
// Options were validated, so no value can break the request's structure.
func (h *clientHandshake) appendRequest(dst []byte, o *ClientOptions, cookies []*http.Cookie) []byte {
	header := func(name, value string) {
		dst = append(dst, name...)
		dst = append(dst, ": "...)
		dst = append(dst, value...)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, "GET "...)
	dst = append(dst, h.url.RequestURI()...)
	dst = append(dst, " HTTP/1.1\r\n"...)
	header("Host", h.url.Host)
	header("Upgrade", "websocket")
	header("Connection", "Upgrade")
	header("Sec-WebSocket-Key", h.key)
	header("Sec-WebSocket-Version", strconv.Itoa(h.version))
	if o.Origin != "" {
		if h.version == 8 {
			header("Sec-WebSocket-Origin", o.Origin)
		} else {
			header("Origin", o.Origin)
		}
	}
	if len(h.protocols) > 0 {
		header("Sec-WebSocket-Protocol", strings.Join(h.protocols, ", "))
	}
	if v := DeflateOfferHeader(h.offers); v != "" {
		header("Sec-WebSocket-Extensions", v)
	}
	if !hasHeader(o.Header, "User-Agent") {
		header("User-Agent", userAgent())
	}
	if h.url.User != nil && !hasHeader(o.Header, "Authorization") {
		pass, _ := h.url.User.Password()
		header("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(h.url.User.Username()+":"+pass)))
	}
	if v := cookieHeader(o.Header, cookies); v != "" {
		header("Cookie", v)
	}
	for k, vs := range o.Header {
		if strings.EqualFold(k, "Cookie") {
			continue // in the Cookie line above
		}
		for _, v := range vs {
			header(k, v)
		}
	}
	return append(dst, "\r\n"...)
}

// cookieHeader joins the Cookie values of ClientOptions.Header and the jar's
// cookies into the one Cookie header a request may carry (RFC 6265 section
// 5.4): the header's own values first, then the jar's, separated by "; ".
func cookieHeader(h http.Header, cookies []*http.Cookie) string {
	var b strings.Builder
	add := func(s string) {
		if s = strings.TrimSpace(s); s == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(s)
	}
	for k, vs := range h {
		if strings.EqualFold(k, "Cookie") {
			for _, v := range vs {
				add(v)
			}
		}
	}
	for _, c := range cookies {
		if v := c.Name + "=" + c.Value; validHeaderValue(v) {
			add(v)
		}
	}
	return b.String()
}

// readResponseHead reads a response head from br, which must read from an
// io.LimitedReader of maxResponseHead bytes (lr), so an endless head ends in
// an error instead of in memory.
func readResponseHead(br *bufio.Reader, lr *io.LimitedReader, req *http.Request) (*http.Response, error) {
	resp, err := http.ReadResponse(br, req)
	if err == nil {
		return resp, nil
	}
	if lr != nil && lr.N <= 0 {
		return nil, handshakeError(ErrBadResponse, nil, "response head exceeds %d bytes", maxResponseHead)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("connection closed before a complete response: %w", io.ErrUnexpectedEOF)
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return nil, err // an I/O error (timeout, reset): not the server's format
	}
	return nil, handshakeError(ErrBadResponse, nil, "%v", err)
}

// bodyPrefixWait bounds the wait for the body of a refused response: a body
// that never ends (no Content-Length, connection kept open) must not hold the
// error back until the handshake's deadline.
const bodyPrefixWait = 250 * time.Millisecond

// readBodyPrefix keeps the first bytes (at most maxBodyPrefix) of a refused
// response's body for the error, reading from nc for at most bodyPrefixWait
// (less when ctx ends sooner). A body with a Content-Length ends where it
// says; a read error or the deadline just ends the prefix. nc may be nil
// for a body that does not come from a connection.
func readBodyPrefix(ctx context.Context, nc net.Conn, resp *http.Response) []byte {
	if resp.Body == nil || resp.Body == http.NoBody {
		return nil
	}
	if nc != nil && ctx.Err() == nil {
		d := time.Now().Add(bodyPrefixWait)
		if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
			d = cd
		}
		nc.SetReadDeadline(d)
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxBodyPrefix))
	return b
}

// answered reports whether err carries a complete answer of the server or
// proxy: a *HandshakeError with an HTTP status.
func answered(err error) bool {
	var he *HandshakeError
	return errors.As(err, &he) && he.Status != 0
}

// check validates the server's response (RFC 6455 section 4.1, the client's
// requirements on the server's handshake) and describes the connection it
// opens. It is pure, so it can be fuzzed.
func (h *clientHandshake) check(resp *http.Response) (*ConnectionResponse, error) {
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return nil, handshakeError(ErrBadStatus, resp, "")
	}
	if !resp.ProtoAtLeast(1, 1) {
		return nil, handshakeError(ErrBadResponse, resp, "101 response over %s", resp.Proto)
	}
	hd := resp.Header
	if !headerHasToken(hd, "Upgrade", "websocket") {
		return nil, handshakeError(ErrBadUpgrade, resp, "Upgrade is %q, want websocket", strings.Join(hd["Upgrade"], ", "))
	}
	if !headerHasToken(hd, "Connection", "upgrade") {
		return nil, handshakeError(ErrBadUpgrade, resp, "Connection is %q, want Upgrade", strings.Join(hd["Connection"], ", "))
	}
	switch accepts := hd["Sec-Websocket-Accept"]; {
	case len(accepts) == 0:
		return nil, handshakeError(ErrBadAccept, resp, "header missing")
	case len(accepts) > 1:
		return nil, handshakeError(ErrBadAccept, resp, "header sent %d times", len(accepts))
	case strings.TrimSpace(accepts[0]) != AcceptKey(h.key):
		return nil, handshakeError(ErrBadAccept, resp, "got %q, want %q", accepts[0], AcceptKey(h.key))
	}

	sub := ""
	protos, ok := headerTokens(hd, "Sec-Websocket-Protocol")
	switch {
	case !ok:
		return nil, handshakeError(ErrBadSubprotocol, resp, "malformed Sec-WebSocket-Protocol %q", strings.Join(hd["Sec-Websocket-Protocol"], ", "))
	case len(protos) > 1:
		return nil, handshakeError(ErrBadSubprotocol, resp, "server chose %d subprotocols (%s)", len(protos), strings.Join(protos, ", "))
	case len(protos) == 1:
		sub = protos[0]
		if !slices.Contains(h.protocols, sub) {
			if len(h.protocols) == 0 {
				return nil, handshakeError(ErrBadSubprotocol, resp, "server chose %q, none was offered", sub)
			}
			return nil, handshakeError(ErrBadSubprotocol, resp, "server chose %q, offered: %s", sub, strings.Join(h.protocols, ", "))
		}
	}

	exts, err := ParseExtensions(hd)
	if err != nil {
		return nil, handshakeError(ErrBadExtension, resp, "%v: %q", err, strings.Join(hd["Sec-Websocket-Extensions"], ", "))
	}
	// A permessage-deflate answer must fit one of the offers and pass
	// PerMessageCompressionAccept; any other extension, or any extension
	// when nothing was offered, is refused.
	if len(exts) > 0 && len(h.offers) == 0 {
		return nil, handshakeError(ErrBadExtension, resp, "server answered %q, no extension was offered", exts[0].String())
	}
	dfl, err := CheckDeflateResponse(hd, h.offers, h.accept)
	if err != nil {
		return nil, handshakeError(ErrBadExtension, resp, "%v", err)
	}
	h.deflate = dfl

	return &ConnectionResponse{
		URL:         h.url.Redacted(),
		Header:      hd,
		Version:     h.version,
		Subprotocol: sub,
		Extensions:  exts,
	}, nil
}
