package wscore

import (
	"net/http"
	"net/url"
)

// ServerProtocol is the behaviour of one server-side connection, Autobahn's
// WebSocketServerProtocol. A factory makes a fresh value for every connection,
// so its fields are per-connection state. The engine calls the methods from the
// connection's reader goroutine, one at a time: OnConnect during the opening
// handshake, then OnOpen, OnMessage for each message, and OnClose exactly once
// for a connection that was opened.
//
// Embed BaseServerProtocol to implement only the callbacks you need.
type ServerProtocol interface {
	// OnConnect sees the client's request before the 101 response. It picks a
	// subprotocol and extra response headers (cookies) with Accept, or refuses
	// with an *HTTPError; any other error refuses with 500 and is logged.
	OnConnect(req *ConnectionRequest) (Accept, error)
	// OnOpen runs once the handshake is complete; the connection can send.
	OnOpen(c *Conn)
	// OnMessage receives a whole message. Text is valid UTF-8 (unless
	// validation is disabled). The payload belongs to the callee.
	OnMessage(c *Conn, payload []byte, isBinary bool)
	// OnClose reports the connection's end: wasClean tells whether the closing
	// handshake completed; code and reason are the peer's (CloseNoStatus when its
	// close frame had no code), or CloseAbnormal with the engine's description
	// when no clean close happened.
	OnClose(c *Conn, wasClean bool, code int, reason string)
}

// ServerProtocolFactory makes the protocol value of one connection.
type ServerProtocolFactory = func() ServerProtocol

// BaseServerProtocol implements every ServerProtocol callback as a no-op that
// accepts the connection. Embed it and override what you need.
type BaseServerProtocol struct{}

// OnConnect accepts the connection with the default subprotocol choice.
func (BaseServerProtocol) OnConnect(*ConnectionRequest) (Accept, error) { return Accept{}, nil }

// OnOpen does nothing.
func (BaseServerProtocol) OnOpen(*Conn) {}

// OnMessage drops the message.
func (BaseServerProtocol) OnMessage(*Conn, []byte, bool) {}

// OnClose does nothing.
func (BaseServerProtocol) OnClose(*Conn, bool, int, string) {}

// ConnectionRequest is what OnConnect knows about the client's opening
// handshake (Autobahn's ConnectionRequest).
type ConnectionRequest struct {
	// Peer is the client's address (host:port), from X-Forwarded-For when
	// Options.TrustXForwardedFor allows it.
	Peer string
	// Host is the Host header; Path and Query come from the request URI.
	Host  string
	Path  string
	Query url.Values
	// Header holds every request header (canonical keys).
	Header http.Header
	// Origin is the browser's origin ("" when the client is not a browser).
	Origin string
	// Version is the protocol version: 13 (RFC 6455) or 8 (hybi-08).
	Version int
	// Protocols are the subprotocols the client offers, in its order.
	Protocols []string
	// Extensions are the extensions the client offers, in its order.
	Extensions []Extension
	// Secure tells whether the request came over TLS.
	Secure bool
	// Params are the route's path parameters and Values the framework's
	// request-scoped values (gin Keys, echo c.Get, fiber Locals), copied by the
	// adapter. Both may be nil.
	Params map[string]string
	Values map[string]any
}

// Accept is OnConnect's answer to an acceptable request.
type Accept struct {
	// Subprotocol is sent in Sec-WebSocket-Protocol; it must be one the client
	// offered. Empty: the first of Options.Subprotocols the client offered, if any.
	Subprotocol string
	// Header holds extra response headers, such as Set-Cookie. The headers of
	// the handshake itself cannot be overridden.
	Header http.Header
}

// messageHandler is the part of a protocol the connection drives after the
// handshake; servers and clients share it.
type messageHandler interface {
	OnOpen(c *Conn)
	OnMessage(c *Conn, payload []byte, isBinary bool)
	OnClose(c *Conn, wasClean bool, code int, reason string)
}
