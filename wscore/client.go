package wscore

import (
	"net/http"
)

// ClientProtocol is the behaviour of one client connection, Autobahn's
// WebSocketClientProtocol. The factory given to Dial makes a fresh value for
// every connection, so its fields are per-connection state. OnConnect runs
// inside Dial once the server's response has passed the handshake checks;
// OnOpen, OnMessage and OnClose run on the connection's reader goroutine, one
// at a time, as for a ServerProtocol.
//
// Embed BaseClientProtocol to implement only the callbacks you need.
type ClientProtocol interface {
	// OnConnect sees the server's accepted response before the connection
	// opens. Returning an error refuses it: the client sends a close frame
	// (ClosePolicyViolation, or the code of a returned *CloseError), completes
	// the closing handshake, and Dial returns the error, wrapped. Neither OnOpen
	// nor OnClose is called then.
	OnConnect(resp *ConnectionResponse) error
	// OnOpen runs once the handshake is complete; the connection can send.
	OnOpen(c *Conn)
	// OnMessage receives a whole message. Text is valid UTF-8 (unless
	// validation is disabled). The payload belongs to the callee.
	OnMessage(c *Conn, payload []byte, isBinary bool)
	// OnClose reports the connection's end, exactly once for a connection that
	// was opened: wasClean tells whether the closing handshake completed; code
	// and reason are the server's (CloseNoStatus when its close frame had no
	// code), or CloseAbnormal with the engine's description otherwise.
	OnClose(c *Conn, wasClean bool, code int, reason string)
}

// ClientProtocolFactory makes the protocol value of one client connection.
type ClientProtocolFactory = func() ClientProtocol

// BaseClientProtocol implements every ClientProtocol callback as a no-op that
// accepts the server's response. Embed it and override what you need.
type BaseClientProtocol struct{}

// OnConnect accepts the response.
func (BaseClientProtocol) OnConnect(*ConnectionResponse) error { return nil }

// OnOpen does nothing.
func (BaseClientProtocol) OnOpen(*Conn) {}

// OnMessage drops the message.
func (BaseClientProtocol) OnMessage(*Conn, []byte, bool) {}

// OnClose does nothing.
func (BaseClientProtocol) OnClose(*Conn, bool, int, string) {}

// ConnectionResponse is what OnConnect knows about the server's answer to the
// opening handshake (Autobahn's ConnectionResponse). Conn.Response returns it
// later.
type ConnectionResponse struct {
	// Peer is the address of the TCP connection, host:port (the proxy's when
	// the connection goes through one).
	Peer string
	// URL is the URL that was dialled.
	URL string
	// Header holds every header of the 101 response (canonical keys).
	Header http.Header
	// Version is the protocol version in use: 13 or 8.
	Version int
	// Subprotocol is the server's choice among the offered subprotocols, ""
	// when it chose none.
	Subprotocol string
	// Extensions are the extensions the server accepted, in its order.
	Extensions []Extension
}

// CloseStatus is how a connection ended, as OnClose reported it.
type CloseStatus struct {
	WasClean bool
	Code     int
	Reason   string
}

// clientHandler drives the application's protocol and remembers how the
// connection ended, for DialAndServe.
type clientHandler struct {
	ClientProtocol
	status CloseStatus
}

func (h *clientHandler) OnClose(c *Conn, wasClean bool, code int, reason string) {
	h.status = CloseStatus{WasClean: wasClean, Code: code, Reason: reason}
	h.ClientProtocol.OnClose(c, wasClean, code, reason)
}

// discardHandler runs the closing handshake of a connection whose response
// OnConnect refused: nothing reaches the application.
type discardHandler struct{}

func (discardHandler) OnOpen(*Conn)                     {}
func (discardHandler) OnMessage(*Conn, []byte, bool)    {}
func (discardHandler) OnClose(*Conn, bool, int, string) {}
