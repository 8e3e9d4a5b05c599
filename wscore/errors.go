package wscore

import (
	"errors"
	"fmt"
	"net/http"
)

// HTTPError refuses an opening handshake with an HTTP status and a short reason,
// which is sent as the plain-text body. OnConnect returns it to deny a
// connection; the engine returns it for requests that fail its checks (400, 403,
// 426, 503). Header, if set, is added to the response (426 carries
// Sec-WebSocket-Version this way).
type HTTPError struct {
	Status int
	Reason string
	Header http.Header
	// Err, when set, is the condition behind the refusal (ErrShuttingDown),
	// for errors.Is.
	Err error
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("websocket handshake refused: %d %s: %s", e.Status, http.StatusText(e.Status), e.Reason)
}

// Unwrap returns Err.
func (e *HTTPError) Unwrap() error { return e.Err }

func httpError(status int, reason string) *HTTPError {
	return &HTTPError{Status: status, Reason: reason}
}

var (
	// ErrClosed is returned (wrapped) by writes on a connection whose closing
	// handshake has started or whose TCP connection has ended.
	ErrClosed = errors.New("wscore: connection closed")

	// ErrWriteTimeout is returned (wrapped) when a write did not complete within
	// Options.WriteTimeout. The connection is dropped: a frame may have been cut.
	ErrWriteTimeout = errors.New("wscore: write timed out")

	// ErrControlTooLong is returned by Ping for a payload over 125 bytes.
	ErrControlTooLong = errors.New("wscore: control frame payload over 125 bytes")

	// ErrShuttingDown is wrapped by the 503 *HTTPError that Server.Prepare
	// returns while the server shuts down.
	ErrShuttingDown = errors.New("wscore: server is shutting down")

	// ErrNoFactory is wrapped by the error of NewServer with a nil protocol
	// factory, and of the adapters' route constructors given neither a
	// factory nor a *Server.
	ErrNoFactory = errors.New("no protocol factory")
)

// OptionError is one option value out of range, as Options.Validate and
// ClientOptions.Validate report it: Field names the field, Reason says what
// is wrong and what is allowed, Struct is "ClientOptions" for a client option
// ("" for Options). Validate joins one per bad field (errors.Join); errors.As
// finds the first, and the joined error's Unwrap() []error lists them all.
type OptionError struct {
	Struct string
	Field  string
	Reason string
}

func (e *OptionError) Error() string {
	st := e.Struct
	if st == "" {
		st = "Options"
	}
	return "wscore: " + st + "." + e.Field + ": " + e.Reason
}

// protocolError is a violation by the peer: the connection is failed with code.
type protocolError struct {
	code       int
	reason     string
	peerClosed bool // the offending frame was the peer's close frame
}

func (e *protocolError) Error() string {
	return fmt.Sprintf("%s: %s", CloseText(e.code), e.reason)
}

func failWith(code int, format string, args ...any) *protocolError {
	return &protocolError{code: code, reason: fmt.Sprintf(format, args...)}
}
