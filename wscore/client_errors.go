package wscore

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Kinds of opening-handshake failure on the client side. A *HandshakeError
// wraps one of them, so errors.Is tells the kind and errors.As gives the
// details (status, headers, body prefix).
var (
	// ErrBadStatus: the server answered with a status other than 101.
	ErrBadStatus = errors.New("server did not switch protocols")
	// ErrBadUpgrade: the 101 response lacks "Upgrade: websocket" or
	// "Connection: Upgrade".
	ErrBadUpgrade = errors.New("response does not upgrade to websocket")
	// ErrBadAccept: Sec-WebSocket-Accept is missing or does not match the key.
	ErrBadAccept = errors.New("wrong Sec-WebSocket-Accept")
	// ErrBadSubprotocol: the server chose a subprotocol the client did not
	// offer, or more than one.
	ErrBadSubprotocol = errors.New("server chose a subprotocol that was not offered")
	// ErrBadExtension: the server answered with an extension the client did not
	// offer, or with a malformed Sec-WebSocket-Extensions header.
	ErrBadExtension = errors.New("server answered with an extension that was not offered")
	// ErrBadResponse: the response is not a parseable HTTP/1.1 response, or
	// its head is too large.
	ErrBadResponse = errors.New("malformed handshake response")
	// ErrProxy: the proxy refused or failed to open the tunnel.
	ErrProxy = errors.New("proxy did not open a tunnel")
	// ErrRefused: the client protocol's OnConnect refused the response.
	ErrRefused = errors.New("response refused by OnConnect")
)

// maxBodyPrefix is how much of a refused response's body a HandshakeError keeps.
const maxBodyPrefix = 1024

// HandshakeError is a failed client opening handshake (or proxy tunnel): what
// went wrong and what the server answered. For a non-101 answer it carries the
// status, headers and the first bytes of the body, which usually say why (a
// 403 from an authenticating proxy or a load balancer, a 404 for a wrong path).
type HandshakeError struct {
	// Err is the kind of failure: ErrBadStatus, ErrBadUpgrade, ErrBadAccept,
	// ErrBadSubprotocol, ErrBadExtension, ErrBadResponse or ErrProxy.
	Err error
	// Detail says exactly what was wrong.
	Detail string
	// Status is the HTTP status of the response (0 when none could be read).
	Status int
	// Header holds the response's headers (nil when none could be read).
	Header http.Header
	// Body holds the first bytes (at most 1 KiB) of a non-101 response's body.
	Body []byte
}

func (e *HandshakeError) Error() string {
	var b strings.Builder
	b.WriteString("wscore: opening handshake failed: ")
	b.WriteString(e.Err.Error())
	if e.Status != 0 {
		fmt.Fprintf(&b, " (status %d %s)", e.Status, http.StatusText(e.Status))
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	if len(e.Body) > 0 {
		body := e.Body
		if len(body) > 200 {
			body = body[:200]
		}
		fmt.Fprintf(&b, "; body: %q", body)
		if len(body) < len(e.Body) {
			b.WriteString("...")
		}
	}
	return b.String()
}

func (e *HandshakeError) Unwrap() error { return e.Err }

func handshakeError(kind error, resp *http.Response, format string, args ...any) *HandshakeError {
	e := &HandshakeError{Err: kind, Detail: fmt.Sprintf(format, args...)}
	if resp != nil {
		e.Status = resp.StatusCode
		e.Header = resp.Header
	}
	return e
}
