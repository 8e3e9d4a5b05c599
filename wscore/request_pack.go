package wscore

import (
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
)

// A connection keeps its opening request for its whole life (Request,
// RequestHeader, Peer), but as parsed it is mostly maps: http.Header with a
// slice per header and url.Values cost several times the bytes of the
// request, and a browser's request (user agent, cookies, languages) is not
// small. Once OnOpen has returned, the engine keeps it packed into a few
// strings instead, and unpacks it again, once, if the application asks.

// packedRequest is a ConnectionRequest in compact form.
type packedRequest struct {
	peer, host, path, origin string
	query                    string // url.Values.Encode()
	header                   string // "Key\x00value\x00" pairs, canonical keys, in order
	protocols                string // the offered subprotocols (tokens), joined by ","
	extensions               []Extension
	params                   map[string]string
	values                   map[string]any
	version                  int
	secure                   bool
}

func packRequest(r *ConnectionRequest) *packedRequest {
	p := &packedRequest{
		peer: r.Peer, host: r.Host, path: r.Path, origin: r.Origin,
		query:      r.Query.Encode(),
		protocols:  strings.Join(r.Protocols, ","),
		extensions: r.Extensions,
		params:     r.Params, values: r.Values,
		version: r.Version, secure: r.Secure,
	}
	n := 0
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 2
		}
	}
	var b strings.Builder
	b.Grow(n)
	for k, vs := range r.Header {
		for _, v := range vs {
			b.WriteString(k)
			b.WriteByte(0)
			b.WriteString(v)
			b.WriteByte(0)
		}
	}
	p.header = b.String()
	return p
}

func (p *packedRequest) unpack() *ConnectionRequest {
	r := &ConnectionRequest{
		Peer: p.peer, Host: p.host, Path: p.path, Origin: p.origin,
		Extensions: p.extensions,
		Params:     p.params, Values: p.values,
		Version: p.version, Secure: p.secure,
	}
	r.Query, _ = url.ParseQuery(p.query)
	if p.protocols != "" {
		r.Protocols = strings.Split(p.protocols, ",")
	}
	r.Header = make(http.Header)
	for rest := p.header; rest != ""; {
		var k, v string
		k, rest, _ = strings.Cut(rest, "\x00")
		v, rest, _ = strings.Cut(rest, "\x00")
		r.Header[k] = append(r.Header[k], v)
	}
	return r
}

// connRequest holds a server connection's request: as received until it is
// packed, then packed, unpacked again on demand. Safe for concurrent use.
type connRequest struct {
	full   atomic.Pointer[ConnectionRequest] // nil once packed (until unpacked)
	packed atomic.Pointer[packedRequest]
}

func (cr *connRequest) set(r *ConnectionRequest) { cr.full.Store(r) }

// pack replaces the full request by its packed form.
func (cr *connRequest) pack() {
	r := cr.full.Load()
	if r == nil {
		return
	}
	cr.packed.Store(packRequest(r))
	cr.full.CompareAndSwap(r, nil)
}

// get returns the request, unpacking it if needed (nil on a client).
func (cr *connRequest) get() *ConnectionRequest {
	if r := cr.full.Load(); r != nil {
		return r
	}
	p := cr.packed.Load()
	if p == nil {
		return nil
	}
	r := p.unpack()
	if cr.full.CompareAndSwap(nil, r) {
		return r
	}
	return cr.full.Load()
}

// peer is the request's Peer without unpacking.
func (cr *connRequest) peer() (string, bool) {
	if r := cr.full.Load(); r != nil {
		return r.Peer, true
	}
	if p := cr.packed.Load(); p != nil {
		return p.peer, true
	}
	return "", false
}
