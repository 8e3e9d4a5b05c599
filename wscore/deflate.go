package wscore

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// This file negotiates permessage-deflate (RFC 7692 section 7): offers parsed
// from a client's Sec-WebSocket-Extensions, the server's choice among them, and
// the client's check of the server's answer. The (de)compression itself is in
// compress.go.

// deflateExtension is the extension's registered name.
const deflateExtension = "permessage-deflate"

// Window sizes of RFC 7692 section 7.1.2: the LZ77 window is 2^bits bytes.
const (
	minWindowBits = 8
	maxWindowBits = 15
)

// DeflateOffer is one permessage-deflate offer from a client (RFC 7692 7.1).
type DeflateOffer struct {
	ServerNoContextTakeover bool // server_no_context_takeover
	ClientNoContextTakeover bool // client_no_context_takeover
	ServerMaxWindowBits     int  // server_max_window_bits=N (8..15); 0: absent
	ClientMaxWindowBits     int  // client_max_window_bits=N (8..15); -1: present without a value; 0: absent
}

// DeflateResponse is the server's accepted parameters (RFC 7692 7.1).
type DeflateResponse struct {
	ServerNoContextTakeover bool
	ClientNoContextTakeover bool
	ServerMaxWindowBits     int // 0: absent (15)
	ClientMaxWindowBits     int // 0: absent (15)
}

// String renders the offer as one element of a Sec-WebSocket-Extensions header.
func (o DeflateOffer) String() string {
	var b strings.Builder
	b.WriteString(deflateExtension)
	if o.ClientNoContextTakeover {
		b.WriteString("; client_no_context_takeover")
	}
	switch {
	case o.ClientMaxWindowBits < 0:
		b.WriteString("; client_max_window_bits")
	case o.ClientMaxWindowBits > 0:
		b.WriteString("; client_max_window_bits=")
		b.WriteString(strconv.Itoa(o.ClientMaxWindowBits))
	}
	if o.ServerNoContextTakeover {
		b.WriteString("; server_no_context_takeover")
	}
	if o.ServerMaxWindowBits > 0 {
		b.WriteString("; server_max_window_bits=")
		b.WriteString(strconv.Itoa(o.ServerMaxWindowBits))
	}
	return b.String()
}

// Validate reports an offer a client must not send: window bits outside 8..15.
func (o DeflateOffer) Validate() error {
	if o.ServerMaxWindowBits != 0 && !validWindowBits(o.ServerMaxWindowBits) {
		return fmt.Errorf("wscore: DeflateOffer.ServerMaxWindowBits %d: use 0 (absent) or 8 to 15", o.ServerMaxWindowBits)
	}
	if o.ClientMaxWindowBits != 0 && o.ClientMaxWindowBits != -1 && !validWindowBits(o.ClientMaxWindowBits) {
		return fmt.Errorf("wscore: DeflateOffer.ClientMaxWindowBits %d: use 0 (absent), -1 (no value) or 8 to 15", o.ClientMaxWindowBits)
	}
	return nil
}

// String renders the response as the value of the server's
// Sec-WebSocket-Extensions header.
func (r DeflateResponse) String() string {
	var b strings.Builder
	b.WriteString(deflateExtension)
	if r.ServerNoContextTakeover {
		b.WriteString("; server_no_context_takeover")
	}
	if r.ClientNoContextTakeover {
		b.WriteString("; client_no_context_takeover")
	}
	if r.ServerMaxWindowBits != 0 {
		b.WriteString("; server_max_window_bits=")
		b.WriteString(strconv.Itoa(r.ServerMaxWindowBits))
	}
	if r.ClientMaxWindowBits != 0 {
		b.WriteString("; client_max_window_bits=")
		b.WriteString(strconv.Itoa(r.ClientMaxWindowBits))
	}
	return b.String()
}

func validWindowBits(n int) bool { return n >= minWindowBits && n <= maxWindowBits }

// parseWindowBits parses a window-bits value: a decimal integer without
// leading zeros from 8 to 15 (RFC 7692 section 7.1.2).
func parseWindowBits(v string) (int, bool) {
	if len(v) == 0 || len(v) > 2 || v[0] == '0' {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || !validWindowBits(n) {
		return 0, false
	}
	return n, true
}

// deflateParams are the parameters of one permessage-deflate element.
type deflateParams struct {
	serverNoTakeover, clientNoTakeover bool
	serverBits, clientBits             int // 0 absent, -1 present without value (offers only)
}

// parseDeflateParams reads the parameters of one permessage-deflate element.
// forOffer selects the rules of an offer (client_max_window_bits may lack a
// value) or of a response (every window parameter has a value). Any unknown,
// repeated or ill-valued parameter is an error: RFC 7692 section 7 has the
// server decline such an offer and the client fail on such a response.
func parseDeflateParams(params []ExtensionParam, forOffer bool) (deflateParams, error) {
	var p deflateParams
	seen := map[string]bool{}
	for _, prm := range params {
		name := strings.ToLower(prm.Name)
		if seen[name] {
			return p, fmt.Errorf("parameter %s repeated", name)
		}
		seen[name] = true
		switch name {
		case "server_no_context_takeover", "client_no_context_takeover":
			if prm.HasValue {
				return p, fmt.Errorf("parameter %s takes no value", name)
			}
			if name == "server_no_context_takeover" {
				p.serverNoTakeover = true
			} else {
				p.clientNoTakeover = true
			}
		case "server_max_window_bits", "client_max_window_bits":
			bits := -1 // present without a value: only client_max_window_bits in an offer
			if prm.HasValue {
				n, ok := parseWindowBits(prm.Value)
				if !ok {
					return p, fmt.Errorf("parameter %s=%q: want 8 to 15", name, prm.Value)
				}
				bits = n
			} else if !forOffer || name == "server_max_window_bits" {
				return p, fmt.Errorf("parameter %s needs a value", name)
			}
			if name == "server_max_window_bits" {
				p.serverBits = bits
			} else {
				p.clientBits = bits
			}
		default:
			return p, fmt.Errorf("unknown parameter %q", prm.Name)
		}
	}
	return p, nil
}

// ParseDeflateOffer reads one Sec-WebSocket-Extensions element as a
// permessage-deflate offer. It returns an error for an element of another
// extension and for an offer RFC 7692 has the server decline: an unknown or
// repeated parameter, or an invalid value.
func ParseDeflateOffer(e Extension) (DeflateOffer, error) {
	if !strings.EqualFold(e.Name, deflateExtension) {
		return DeflateOffer{}, fmt.Errorf("wscore: extension %q is not %s", e.Name, deflateExtension)
	}
	p, err := parseDeflateParams(e.Params, true)
	if err != nil {
		return DeflateOffer{}, fmt.Errorf("wscore: %s offer declined: %v", deflateExtension, err)
	}
	return DeflateOffer{
		ServerNoContextTakeover: p.serverNoTakeover,
		ClientNoContextTakeover: p.clientNoTakeover,
		ServerMaxWindowBits:     p.serverBits,
		ClientMaxWindowBits:     p.clientBits,
	}, nil
}

// DeflateOffers returns the valid permessage-deflate offers among exts, in the
// client's order of preference. Offers RFC 7692 says to decline (see
// ParseDeflateOffer) and other extensions are left out.
func DeflateOffers(exts []Extension) []DeflateOffer {
	var offers []DeflateOffer
	for _, e := range exts {
		if o, err := ParseDeflateOffer(e); err == nil {
			offers = append(offers, o)
		}
	}
	return offers
}

// Validate reports a response that is not well-formed on its own: window bits
// outside 8..15.
func (r DeflateResponse) Validate() error {
	if r.ServerMaxWindowBits != 0 && !validWindowBits(r.ServerMaxWindowBits) {
		return fmt.Errorf("server_max_window_bits=%d: want 8 to 15", r.ServerMaxWindowBits)
	}
	if r.ClientMaxWindowBits != 0 && !validWindowBits(r.ClientMaxWindowBits) {
		return fmt.Errorf("client_max_window_bits=%d: want 8 to 15", r.ClientMaxWindowBits)
	}
	return nil
}

// Answers reports why r is not a valid acceptance of offer o under RFC 7692
// section 7.1, or nil when it is: a server_no_context_takeover or
// server_max_window_bits the client asked for must be echoed (the window the
// same or smaller), and client_max_window_bits may only be sent when offered,
// no larger than the offered value.
func (o DeflateOffer) Answers(r DeflateResponse) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if o.ServerNoContextTakeover && !r.ServerNoContextTakeover {
		return errors.New("server_no_context_takeover was requested but is missing")
	}
	if o.ServerMaxWindowBits > 0 {
		if r.ServerMaxWindowBits == 0 {
			return fmt.Errorf("server_max_window_bits=%d was requested but is missing", o.ServerMaxWindowBits)
		}
		if r.ServerMaxWindowBits > o.ServerMaxWindowBits {
			return fmt.Errorf("server_max_window_bits=%d exceeds the requested %d", r.ServerMaxWindowBits, o.ServerMaxWindowBits)
		}
	}
	if r.ClientMaxWindowBits != 0 {
		switch {
		case o.ClientMaxWindowBits == 0:
			return errors.New("client_max_window_bits was not offered")
		case o.ClientMaxWindowBits > 0 && r.ClientMaxWindowBits > o.ClientMaxWindowBits:
			return fmt.Errorf("client_max_window_bits=%d exceeds the offered %d", r.ClientMaxWindowBits, o.ClientMaxWindowBits)
		}
	}
	return nil
}

// inEffect returns the parameters both sides use once r accepted o: a client
// that offered client_max_window_bits with a value never uses a larger window,
// even when the response leaves the parameter out (RFC 7692 7.1.2.2).
func (o DeflateOffer) inEffect(r DeflateResponse) DeflateResponse {
	if r.ClientMaxWindowBits == 0 && o.ClientMaxWindowBits > 0 {
		r.ClientMaxWindowBits = o.ClientMaxWindowBits
	}
	return r
}

// matchOffer returns the parameters in effect once r answered the offers, or
// the reason r answers none of them. The response does not say which offer it
// accepted, and r may fit several that limit the client's window differently
// (client_max_window_bits=10, then a bare permessage-deflate, answered with a
// bare permessage-deflate): the server (forServer) must then be ready for the
// largest window any of them allows, and the client must use the smallest,
// so both hold whichever offer the other side had in mind. A
// client_max_window_bits in r itself settles the window for both.
func matchOffer(offers []DeflateOffer, r DeflateResponse, forServer bool) (DeflateResponse, error) {
	var first error
	matched, bits := false, 0
	for _, o := range offers {
		if err := o.Answers(r); err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		b := o.inEffect(r).ClientMaxWindowBits
		if b == 0 {
			b = maxWindowBits
		}
		if !matched || (forServer && b > bits) || (!forServer && b < bits) {
			bits = b
		}
		matched = true
	}
	if !matched {
		if first == nil {
			first = errors.New("no permessage-deflate offer was made")
		}
		return DeflateResponse{}, first
	}
	if r.ClientMaxWindowBits == 0 && bits != maxWindowBits {
		r.ClientMaxWindowBits = bits
	}
	return r, nil
}

// DefaultDeflateAccept accepts the client's first offer with context takeover
// wherever the client allows it: the server echoes what the client asked of it
// (server_no_context_takeover, server_max_window_bits) and keeps its own
// context otherwise. A client_no_context_takeover in the offer is echoed: the
// client said it works without context takeover, some clients
// (gorilla/websocket) refuse an answer without it, and the server then keeps
// no receive window for the connection. Every valid offer is acceptable:
// windows down to 8 bits are honoured exactly. It returns nil when there is no
// offer.
//
// With context takeover each connection keeps its compressor and a receive
// window (see the package documentation on memory); DeflateAcceptor trades
// compression for memory.
func DefaultDeflateAccept(offers []DeflateOffer) *DeflateResponse {
	return DeflateAcceptor{}.Accept(offers)
}

// DeflateAcceptor is a PerMessageCompressionAccept with limits. The zero value
// behaves as DefaultDeflateAccept. Use its Accept method as the option:
//
//	Options{PerMessageCompressionAccept: wscore.DeflateAcceptor{ServerNoContextTakeover: true}.Accept}
type DeflateAcceptor struct {
	// ServerNoContextTakeover makes the server compress every message on its
	// own (server_no_context_takeover): compressors are then shared from a pool
	// instead of kept per connection, at some cost in compression.
	ServerNoContextTakeover bool
	// ClientNoContextTakeover asks every client to do the same
	// (client_no_context_takeover), so the server keeps no receive window per
	// connection. Clients that offer client_no_context_takeover get it in any
	// case.
	ClientNoContextTakeover bool
	// ServerMaxWindowBits caps the window the server compresses with (8 to 15);
	// 0: 15, or less when the client asks for less.
	ServerMaxWindowBits int
	// ClientMaxWindowBits asks clients that allow it (client_max_window_bits in
	// their offer) to compress with at most this window (8 to 15), which bounds
	// the receive window the server keeps per connection. 0: no request.
	ClientMaxWindowBits int
}

// Validate reports field values out of range.
func (a DeflateAcceptor) Validate() error {
	var errs []error
	if a.ServerMaxWindowBits != 0 && !validWindowBits(a.ServerMaxWindowBits) {
		errs = append(errs, fmt.Errorf("wscore: DeflateAcceptor.ServerMaxWindowBits %d: use 0 or 8 to 15", a.ServerMaxWindowBits))
	}
	if a.ClientMaxWindowBits != 0 && !validWindowBits(a.ClientMaxWindowBits) {
		errs = append(errs, fmt.Errorf("wscore: DeflateAcceptor.ClientMaxWindowBits %d: use 0 or 8 to 15", a.ClientMaxWindowBits))
	}
	return errors.Join(errs...)
}

// Accept answers the first offer (every valid offer is acceptable) with the
// acceptor's limits applied, or returns nil when there is no offer.
func (a DeflateAcceptor) Accept(offers []DeflateOffer) *DeflateResponse {
	if len(offers) == 0 {
		return nil
	}
	o := offers[0]
	r := &DeflateResponse{
		ServerNoContextTakeover: o.ServerNoContextTakeover || a.ServerNoContextTakeover,
		ClientNoContextTakeover: o.ClientNoContextTakeover || a.ClientNoContextTakeover,
		ServerMaxWindowBits:     o.ServerMaxWindowBits,
	}
	if a.ServerMaxWindowBits != 0 && (r.ServerMaxWindowBits == 0 || a.ServerMaxWindowBits < r.ServerMaxWindowBits) {
		r.ServerMaxWindowBits = a.ServerMaxWindowBits
	}
	if a.ClientMaxWindowBits != 0 && o.ClientMaxWindowBits != 0 {
		r.ClientMaxWindowBits = a.ClientMaxWindowBits
		if o.ClientMaxWindowBits > 0 && o.ClientMaxWindowBits < r.ClientMaxWindowBits {
			r.ClientMaxWindowBits = o.ClientMaxWindowBits
		}
	}
	return r
}

// negotiateDeflate runs the server's PerMessageCompressionAccept over the
// client's valid offers. It returns the Sec-WebSocket-Extensions value to send
// and the parameters in effect, or "" and nil when compression is off,
// declined, or the accept func misbehaved: an answer that matches none of the
// offers is logged and declined rather than sent.
func (s *Server) negotiateDeflate(exts []Extension) (string, *DeflateResponse) {
	accept := s.opts.PerMessageCompressionAccept
	if accept == nil {
		return "", nil
	}
	offers := DeflateOffers(exts)
	if len(offers) == 0 {
		return "", nil
	}
	r, err := callDeflateAccept(accept, offers)
	if err != nil || r == nil {
		if err != nil {
			s.cfg.logger.Error("websocket PerMessageCompressionAccept failed; compression declined", "error", err)
		}
		return "", nil
	}
	eff, err := matchOffer(offers, *r, true)
	if err != nil {
		s.cfg.logger.Error("websocket PerMessageCompressionAccept returned a response that answers none of the client's offers; compression declined",
			"response", r.String(), "problem", err)
		return "", nil
	}
	return r.String(), &eff
}

func callDeflateAccept(accept func([]DeflateOffer) *DeflateResponse, offers []DeflateOffer) (r *DeflateResponse, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("PerMessageCompressionAccept panicked: %v", p)
		}
	}()
	return accept(offers), nil
}

// DeflateOfferHeader renders a client's offers, most preferred first, as the
// value of its Sec-WebSocket-Extensions request header ("" for no offers).
func DeflateOfferHeader(offers []DeflateOffer) string {
	s := make([]string, len(offers))
	for i, o := range offers {
		s[i] = o.String()
	}
	return strings.Join(s, ", ")
}

// ExtensionResponseError is a server's Sec-WebSocket-Extensions answer that a
// client must refuse (RFC 7692 section 7: fail the WebSocket connection): an
// extension that was not offered, a malformed or repeated permessage-deflate
// element, or parameters that answer none of the offers.
type ExtensionResponseError struct {
	Header string // the header's value(s), joined with ", "
	Reason string
}

func (e *ExtensionResponseError) Error() string {
	return fmt.Sprintf("wscore: server's Sec-WebSocket-Extensions %q refused: %s", e.Header, e.Reason)
}

// CheckDeflateResponse checks the Sec-WebSocket-Extensions of a server's 101
// response (h holds its headers) against the client's offers. It returns nil
// and no error when the server did not accept compression, the parameters in
// effect when it accepted one of the offers (a client_max_window_bits value of
// the matched offer applies even when the response leaves it out), or an
// *ExtensionResponseError. accept, when not nil, may refuse a valid response
// (ClientOptions.PerMessageCompressionAccept).
func CheckDeflateResponse(h http.Header, offers []DeflateOffer, accept func(DeflateResponse) bool) (*DeflateResponse, error) {
	lines := h["Sec-Websocket-Extensions"]
	if len(lines) == 0 {
		return nil, nil
	}
	fail := func(format string, args ...any) (*DeflateResponse, error) {
		return nil, &ExtensionResponseError{Header: strings.Join(lines, ", "), Reason: fmt.Sprintf(format, args...)}
	}
	exts, err := ParseExtensions(h)
	if err != nil {
		return fail("%v", err)
	}
	var found *Extension
	for i := range exts {
		e := &exts[i]
		if !strings.EqualFold(e.Name, deflateExtension) || len(offers) == 0 {
			return fail("extension %q was not offered", e.Name)
		}
		if found != nil {
			return fail("%s answered twice", deflateExtension)
		}
		found = e
	}
	if found == nil {
		return nil, nil
	}
	p, err := parseDeflateParams(found.Params, false)
	if err != nil {
		return fail("%v", err)
	}
	r := DeflateResponse{
		ServerNoContextTakeover: p.serverNoTakeover,
		ClientNoContextTakeover: p.clientNoTakeover,
		ServerMaxWindowBits:     p.serverBits,
		ClientMaxWindowBits:     p.clientBits,
	}
	eff, err := matchOffer(offers, r, false)
	if err != nil {
		return fail("the response answers none of the offers (%v)", err)
	}
	if accept != nil && !accept(r) {
		return fail("refused by PerMessageCompressionAccept")
	}
	return &eff, nil
}
