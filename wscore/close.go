package wscore

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

// Close status codes of RFC 6455 section 7.4.1 and the IANA registry.
const (
	CloseNormal              = 1000
	CloseGoingAway           = 1001
	CloseProtocolError       = 1002
	CloseUnsupportedData     = 1003
	CloseNoStatus            = 1005 // reported when a close frame carried no code; never sent
	CloseAbnormal            = 1006 // reported when no close frame arrived; never sent
	CloseInvalidPayload      = 1007
	ClosePolicyViolation     = 1008
	CloseMessageTooBig       = 1009
	CloseMandatoryExtension  = 1010
	CloseInternalError       = 1011
	CloseServiceRestart      = 1012
	CloseTryAgainLater       = 1013
	CloseBadGateway          = 1014
	CloseTLSHandshakeFailure = 1015 // reported only; never sent
)

// maxCloseReason is what fits in a control frame after the 2-byte code.
const maxCloseReason = maxControlPayload - 2

// validCloseCode reports whether code may appear in a close frame on the wire,
// in either direction: 1000-1003, 1007-1014 and the 3000-4999 range for
// libraries and applications. 1004-1006 and 1015 are reserved for reporting,
// the rest of 1000-2999 for future protocol use.
func validCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003:
		return true
	case code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// CloseError is a close code and reason as a Go error. A client's OnConnect
// returns one to refuse a response with that close code; writes on a closed
// connection return ErrClosed instead, and OnClose receives the code and
// reason as arguments.
type CloseError struct {
	Code   int
	Reason string
}

func (e *CloseError) Error() string {
	if e.Reason == "" {
		return fmt.Sprintf("websocket closed with status %d (%s)", e.Code, CloseText(e.Code))
	}
	return fmt.Sprintf("websocket closed with status %d (%s): %s", e.Code, CloseText(e.Code), e.Reason)
}

// CloseText returns a short English name of a close code, such as
// "protocol error" for 1002, or "status N" for codes without a name.
func CloseText(code int) string {
	switch code {
	case CloseNormal:
		return "normal closure"
	case CloseGoingAway:
		return "going away"
	case CloseProtocolError:
		return "protocol error"
	case CloseUnsupportedData:
		return "unsupported data"
	case CloseNoStatus:
		return "no status"
	case CloseAbnormal:
		return "abnormal closure"
	case CloseInvalidPayload:
		return "invalid payload data"
	case ClosePolicyViolation:
		return "policy violation"
	case CloseMessageTooBig:
		return "message too big"
	case CloseMandatoryExtension:
		return "mandatory extension"
	case CloseInternalError:
		return "internal error"
	case CloseServiceRestart:
		return "service restart"
	case CloseTryAgainLater:
		return "try again later"
	case CloseBadGateway:
		return "bad gateway"
	case CloseTLSHandshakeFailure:
		return "TLS handshake failure"
	}
	return fmt.Sprintf("status %d", code)
}

// checkOutgoingClose validates what the application asks to send. Code 0 with an
// empty reason sends a close frame without a body.
func checkOutgoingClose(code int, reason string) error {
	if code == 0 {
		if reason != "" {
			return fmt.Errorf("wscore: a close reason needs a close code")
		}
		return nil
	}
	if !validCloseCode(code) {
		return fmt.Errorf("wscore: close code %d may not be sent (allowed: 1000-1003, 1007-1014, 3000-4999)", code)
	}
	if len(reason) > maxCloseReason {
		return fmt.Errorf("wscore: close reason is %d bytes, at most %d fit in a close frame", len(reason), maxCloseReason)
	}
	if !utf8.ValidString(reason) {
		return fmt.Errorf("wscore: close reason is not valid UTF-8")
	}
	return nil
}

// appendClosePayload encodes a close frame body; code 0 means no body.
func appendClosePayload(dst []byte, code int, reason string) []byte {
	if code == 0 {
		return dst
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(code))
	return append(dst, reason...)
}

// parseClosePayload decodes a received close frame body. An empty body yields
// CloseNoStatus. The returned failure code is non-zero when the body is invalid:
// CloseProtocolError for a 1-byte body or a code that may not be sent,
// CloseInvalidPayload for a reason that is not UTF-8.
func parseClosePayload(p []byte, validateUTF8 bool) (code int, reason string, fail int, why string) {
	switch {
	case len(p) == 0:
		return CloseNoStatus, "", 0, ""
	case len(p) == 1:
		return 0, "", CloseProtocolError, "close frame body of 1 byte"
	}
	code = int(binary.BigEndian.Uint16(p))
	if !validCloseCode(code) {
		return 0, "", CloseProtocolError, fmt.Sprintf("invalid close code %d", code)
	}
	if validateUTF8 && !utf8.Valid(p[2:]) {
		return 0, "", CloseInvalidPayload, "close reason is not valid UTF-8"
	}
	return code, string(p[2:]), 0, ""
}
