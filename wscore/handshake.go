package wscore

import (
	"crypto/sha1"
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// HandshakeRequest is the transport-neutral head of an opening handshake
// request. Adapters fill it from their framework's request (net/http, fasthttp)
// before the connection is taken over; it must not refer to memory the framework
// reuses.
type HandshakeRequest struct {
	Method     string
	RequestURI string // path and query as on the request line
	ProtoMajor int
	ProtoMinor int
	Host       string
	Header     http.Header // canonical keys
	RemoteAddr string      // the TCP peer, host:port
	TLS        bool
	Params     map[string]string
	Values     map[string]any
}

// RequestFromHTTP builds a HandshakeRequest from a net/http request.
func RequestFromHTTP(r *http.Request) *HandshakeRequest {
	return &HandshakeRequest{
		Method:     r.Method,
		RequestURI: r.RequestURI,
		ProtoMajor: r.ProtoMajor,
		ProtoMinor: r.ProtoMinor,
		Host:       r.Host,
		Header:     r.Header,
		RemoteAddr: r.RemoteAddr,
		TLS:        r.TLS != nil,
	}
}

// IsUpgradeRequest reports whether a request asks for a WebSocket upgrade
// (its Upgrade header lists "websocket"). Routes use it to tell a handshake
// from a plain GET for the status page.
func IsUpgradeRequest(h http.Header) bool {
	return headerHasToken(h, "Upgrade", "websocket")
}

// websocketGUID is the constant of RFC 6455 section 1.3.
const websocketGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// AcceptKey computes Sec-WebSocket-Accept for a Sec-WebSocket-Key.
func AcceptKey(key string) string {
	h := sha1.New()
	h.Write([]byte(key))
	h.Write([]byte(websocketGUID))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// handshakeRules are the server options the request checks depend on.
type handshakeRules struct {
	versions   []int // accepted, in the order advertised on 426
	origins    *originPolicy
	trustedXFF int
}

// handshakeInfo is what a valid request yields.
type handshakeInfo struct {
	key string
	req *ConnectionRequest
}

// checkHandshake validates an opening handshake request, in the order every
// route applies (DESIGN.md, "Per-route behaviour"): method, HTTP version,
// Upgrade/Connection tokens, Host, key and the syntax of Sec-WebSocket-Protocol
// and Sec-WebSocket-Extensions (400), then version (426), then origin (403).
// Prepare follows with shutdown and MaxConnections (503) and OnConnect. It is
// pure: no I/O, no server state, so it can be fuzzed and shared by every
// adapter.
func checkHandshake(r *HandshakeRequest, rules *handshakeRules) (handshakeInfo, *HTTPError) {
	h := r.Header
	if r.Method != http.MethodGet {
		return handshakeInfo{}, httpError(http.StatusBadRequest, "method must be GET")
	}
	if r.ProtoMajor < 1 || (r.ProtoMajor == 1 && r.ProtoMinor < 1) {
		return handshakeInfo{}, httpError(http.StatusBadRequest, "HTTP/1.1 or later required")
	}
	if !headerHasToken(h, "Upgrade", "websocket") {
		return handshakeInfo{}, httpError(http.StatusBadRequest, "missing \"Upgrade: websocket\"")
	}
	if !headerHasToken(h, "Connection", "upgrade") {
		return handshakeInfo{}, httpError(http.StatusBadRequest, "missing \"Connection: Upgrade\"")
	}
	if r.Host == "" {
		return handshakeInfo{}, httpError(http.StatusBadRequest, "missing Host")
	}
	keys := h["Sec-Websocket-Key"]
	if len(keys) != 1 || !validKey(keys[0]) {
		return handshakeInfo{}, httpError(http.StatusBadRequest, "missing or invalid Sec-WebSocket-Key")
	}
	// The other headers' syntax is a 400 too, so it comes before the version:
	// a malformed request is malformed whatever else it gets wrong.
	protocols, ok := headerTokens(h, "Sec-Websocket-Protocol")
	if !ok {
		return handshakeInfo{}, httpError(http.StatusBadRequest, "invalid Sec-WebSocket-Protocol")
	}
	exts, err := ParseExtensions(h)
	if err != nil {
		return handshakeInfo{}, httpError(http.StatusBadRequest, err.Error())
	}

	version, ok := 0, false
	if vs := h["Sec-Websocket-Version"]; len(vs) == 1 {
		if v, err := strconv.Atoi(strings.TrimSpace(vs[0])); err == nil && slices.Contains(rules.versions, v) {
			version, ok = v, true
		}
	}
	if !ok {
		e := httpError(http.StatusUpgradeRequired, "unsupported Sec-WebSocket-Version (supported: "+versionList(rules.versions)+")")
		e.Header = http.Header{"Sec-Websocket-Version": {versionList(rules.versions)}}
		return handshakeInfo{}, e
	}

	origin := h.Get("Origin")
	if version == 8 {
		if o := h.Get("Sec-Websocket-Origin"); o != "" {
			origin = o
		}
	}
	if ok, why := rules.origins.allow(origin, r.Host); !ok {
		return handshakeInfo{}, httpError(http.StatusForbidden, why)
	}

	path, rawQuery, _ := strings.Cut(r.RequestURI, "?")
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
		path, rawQuery = u.Path, u.RawQuery
	}
	query, _ := url.ParseQuery(rawQuery) // keeps what parses, as net/http does

	return handshakeInfo{
		key: keys[0],
		req: &ConnectionRequest{
			Peer:       peerAddress(r.RemoteAddr, h, rules.trustedXFF),
			Host:       r.Host,
			Path:       path,
			Query:      query,
			Header:     h,
			Origin:     origin,
			Version:    version,
			Protocols:  protocols,
			Extensions: exts,
			Secure:     r.TLS,
			Params:     r.Params,
			Values:     r.Values,
		},
	}, nil
}

// validKey reports whether k is the base64 encoding of 16 bytes.
func validKey(k string) bool {
	if len(k) != 24 {
		return false
	}
	var buf [18]byte
	n, err := base64.StdEncoding.Decode(buf[:], []byte(k))
	return err == nil && n == 16
}

func versionList(vs []int) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, ", ")
}

// peerAddress derives the client's address as Autobahn does: with n trusted
// proxies, the n-th entry from the right of X-Forwarded-For (the address the
// outermost trusted proxy saw). Entries further left are written by the client
// and cannot be trusted, so they are never used.
func peerAddress(remote string, h http.Header, n int) string {
	if n <= 0 {
		return remote
	}
	var addrs []string
	for _, line := range h["X-Forwarded-For"] {
		for _, a := range strings.Split(line, ",") {
			if a = strings.TrimSpace(a); a != "" {
				addrs = append(addrs, a)
			}
		}
	}
	if len(addrs) == 0 {
		return remote
	}
	i := len(addrs) - n
	if i < 0 {
		i = 0
	}
	a := addrs[i]
	if net.ParseIP(strings.Trim(a, "[]")) == nil {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return remote // not an address: ignore the header
		}
	}
	return a
}

// appendResponse101 writes the 101 Switching Protocols response.
func appendResponse101(dst []byte, acceptKey, subprotocol, extensions, server string, extra http.Header) []byte {
	dst = append(dst, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "...)
	dst = append(dst, acceptKey...)
	dst = append(dst, "\r\n"...)
	if subprotocol != "" {
		dst = append(dst, "Sec-WebSocket-Protocol: "...)
		dst = append(dst, subprotocol...)
		dst = append(dst, "\r\n"...)
	}
	if extensions != "" {
		dst = append(dst, "Sec-WebSocket-Extensions: "...)
		dst = append(dst, extensions...)
		dst = append(dst, "\r\n"...)
	}
	if server != "" {
		dst = append(dst, "Server: "...)
		dst = append(dst, server...)
		dst = append(dst, "\r\n"...)
	}
	for k, vs := range extra {
		for _, v := range vs {
			dst = append(dst, k...)
			dst = append(dst, ": "...)
			dst = append(dst, v...)
			dst = append(dst, "\r\n"...)
		}
	}
	return append(dst, "\r\n"...)
}

// reservedResponseHeaders may not be set by OnConnect: the engine writes them.
var reservedResponseHeaders = map[string]bool{
	"Upgrade": true, "Connection": true, "Sec-Websocket-Accept": true,
	"Sec-Websocket-Protocol": true, "Sec-Websocket-Extensions": true,
	"Content-Length": true, "Transfer-Encoding": true,
}

// checkExtraHeader validates OnConnect's extra headers: names must be tokens and
// not the handshake's own, values free of CR/LF (no header injection).
func checkExtraHeader(h http.Header) (string, bool) {
	for k, vs := range h {
		if !isToken(k) {
			return "invalid header name " + strconv.Quote(k), false
		}
		if reservedResponseHeaders[http.CanonicalHeaderKey(k)] {
			return "header " + k + " is set by the engine", false
		}
		for _, v := range vs {
			if !validHeaderValue(v) {
				return "header " + k + " has an invalid value", false
			}
		}
	}
	return "", true
}

// appendHTTPError writes a complete HTTP/1.1 error response for e, for
// connections taken over before the handshake was judged (ServeConn).
func appendHTTPError(dst []byte, e *HTTPError) []byte {
	body := e.Reason + "\n"
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(e.Status), 10)
	dst = append(dst, ' ')
	dst = append(dst, http.StatusText(e.Status)...)
	dst = append(dst, "\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\nContent-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(body)), 10)
	dst = append(dst, "\r\n"...)
	for k, vs := range e.Header {
		for _, v := range vs {
			if isToken(k) && validHeaderValue(v) {
				dst = append(dst, k...)
				dst = append(dst, ": "...)
				dst = append(dst, v...)
				dst = append(dst, "\r\n"...)
			}
		}
	}
	dst = append(dst, "\r\n"...)
	return append(dst, body...)
}

// WriteHTTPError answers a refused handshake on a net/http ResponseWriter.
func WriteHTTPError(w http.ResponseWriter, e *HTTPError) {
	for k, vs := range e.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	http.Error(w, e.Reason, e.Status)
}
