package wscore

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Defaults of the sizes and durations whose zero value means "the default".
const (
	// DefaultMaxMessagePayloadSize admits the 16 MiB messages of the Autobahn
	// testsuite with room to spare. Autobahn|Python has no limit; an endpoint on
	// the internet needs one.
	DefaultMaxMessagePayloadSize = 32 << 20
	// DefaultOpenHandshakeTimeout is what Autobahn|Python's code uses.
	DefaultOpenHandshakeTimeout = 5 * time.Second
	// DefaultCloseHandshakeTimeout is Autobahn|Python's closeHandshakeTimeout.
	DefaultCloseHandshakeTimeout = 1 * time.Second
	// DefaultWriteTimeout bounds a write to a peer that stopped reading.
	DefaultWriteTimeout = 10 * time.Second
	// DefaultAutoPingSize is the number of random bytes in an automatic ping.
	DefaultAutoPingSize = 4
	// DefaultReadBufferSize is the size of a connection's read buffer, held only
	// while data is being read (idle connections give it back).
	DefaultReadBufferSize = 4096
	// DefaultWriteBufferSize is the size up to which a message is copied into the
	// write buffer and coalesced with others; larger payloads are written directly.
	DefaultWriteBufferSize = 4096
	// DefaultServerConnectionDropTimeout is how long a client waits for the server
	// to drop TCP after the closing handshake.
	DefaultServerConnectionDropTimeout = 1 * time.Second
)

// Unlimited, as a size or duration option, turns the limit off.
const Unlimited = -1

// Options configure a Server: the route's protocol options, with Autobahn|Python's
// names turned into Go (the README maps each one). The zero value is the default
// configuration; switches that Autobahn has on by default are named for turning
// them off, and sizes and durations use 0 for the default and -1 (Unlimited) for
// none. NewServer copies the value, so changing it afterwards has no effect.
type Options struct {
	// Versions are the protocol versions accepted: 13 (RFC 6455) and 8
	// (hybi-08). Default: both. Others are answered with 426.
	Versions []int

	// Subprotocols the server speaks, in order of preference. When OnConnect
	// leaves Accept.Subprotocol empty, the first of these that the client offered
	// is chosen.
	Subprotocols []string

	// AllowedOrigins are Autobahn-style patterns ("https://*.example.com:*")
	// matched against the Origin as scheme://host:port with the port made
	// explicit. Empty: a browser request must be same-origin (requests without an
	// Origin header are not from browsers and pass). "*" allows every origin;
	// "null" allows the null origin.
	AllowedOrigins []string

	// MaxConnections caps the open connections of this server (503 beyond).
	// Default: no cap.
	MaxConnections int

	// TrustXForwardedFor is the number of trusted proxies in front of the server:
	// the peer address is taken that many entries from the right of
	// X-Forwarded-For. Default 0: the header is ignored.
	TrustXForwardedFor int

	// DisableWebStatus turns off the status page served to a plain GET
	// (Autobahn's webStatus); the route then answers 426.
	DisableWebStatus bool

	// AllowUnmaskedClientFrames accepts unmasked frames from clients
	// (Autobahn's requireMaskedClientFrames=False). Off by default, as RFC 6455
	// requires.
	AllowUnmaskedClientFrames bool

	// MaskServerFrames masks frames the server sends (for testing clients).
	MaskServerFrames bool

	// DisableApplyMask sends the mask bit and key without XORing the payload
	// (Autobahn's applyMask=False; for testing only).
	DisableApplyMask bool

	// DisableUTF8Validation turns off the validation of text messages and close
	// reasons (Autobahn's utf8validateIncoming=False).
	DisableUTF8Validation bool

	// MaxFramePayloadSize fails a connection with 1009 when a frame is larger.
	// Default: no per-frame limit (MaxMessagePayloadSize still applies).
	MaxFramePayloadSize int64

	// MaxMessagePayloadSize fails a connection with 1009 when a message is
	// larger, checked while reading (never after buffering the excess).
	// Default: DefaultMaxMessagePayloadSize. Unlimited: -1.
	MaxMessagePayloadSize int64

	// AutoFragmentSize splits outgoing messages into frames of at most this many
	// payload bytes. Default: no fragmentation.
	AutoFragmentSize int

	// FailByDrop drops TCP at once when failing a connection, without sending a
	// close frame first. Off by default here (Autobahn's default is on): the
	// close frame tells the peer why.
	FailByDrop bool

	// EchoCloseCodeReason answers a close frame with the peer's own code and
	// reason instead of 1000.
	EchoCloseCodeReason bool

	// OpenHandshakeTimeout bounds the opening handshake. Default 5 s.
	OpenHandshakeTimeout time.Duration

	// CloseHandshakeTimeout bounds the wait for the peer's close frame (and, when
	// failing, for the peer to go away) after ours was sent. Default 1 s.
	CloseHandshakeTimeout time.Duration

	// WriteTimeout bounds every write to the socket; a write that times out drops
	// the connection. Default 10 s.
	WriteTimeout time.Duration

	// DisableTCPNoDelay turns Nagle's algorithm back on (Autobahn's
	// tcpNoDelay=False).
	DisableTCPNoDelay bool

	// AutoPingInterval sends a ping after this much time without one. Default:
	// no automatic pings.
	AutoPingInterval time.Duration

	// AutoPingTimeout drops the connection when the matching pong does not arrive
	// within this time. Default: AutoPingInterval. As Autobahn's
	// autoPingRestartOnAnyTraffic (on by default there), any frame received
	// meanwhile also proves the peer alive: the next ping is then scheduled
	// instead of dropping.
	AutoPingTimeout time.Duration

	// AutoPingSize is the number of random bytes in an automatic ping, 4 to 125.
	// Default 4.
	AutoPingSize int

	// CompressionThreshold sends messages shorter than this uncompressed even
	// when permessage-deflate is in use. Default 0: compress everything.
	CompressionThreshold int

	// PerMessageCompressionAccept chooses among a client's permessage-deflate
	// offers (RFC 7692), most preferred first, and returns the parameters to
	// answer with, or nil to decline. nil (the default) turns compression off,
	// as in Autobahn. DefaultDeflateAccept takes the first offer with context
	// takeover where allowed; DeflateAcceptor sets limits. An answer that is
	// not valid for any of the offers is logged and declined.
	PerMessageCompressionAccept func(offers []DeflateOffer) *DeflateResponse

	// ReadBufferSize and WriteBufferSize size the connection's buffers (see
	// DefaultReadBufferSize, DefaultWriteBufferSize).
	ReadBufferSize  int
	WriteBufferSize int

	// ServeFlashSocketPolicy makes wshttp's listener answer Flash's
	// <policy-file-request/> on the same port with FlashSocketPolicy (default: a
	// policy allowing every domain to this port).
	ServeFlashSocketPolicy bool
	FlashSocketPolicy      string

	// Server is the name sent in the Server header of the 101 response and shown
	// on the status page. Default "wsplug".
	Server string

	// LogFrames and LogOctets log every frame (its header) and every octet
	// (hex) at debug level on Logger.
	LogFrames bool
	LogOctets bool

	// TrackTimings records the connection's milestones for Conn.Timings.
	TrackTimings bool

	// Logger receives the engine's logs. Default: slog.Default().
	Logger *slog.Logger
}

// Validate reports every option value that is out of range, naming the field
// and the allowed values: one *OptionError per problem, joined with
// errors.Join (nil when all is well). NewServer calls it.
func (o *Options) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &OptionError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	for _, v := range o.Versions {
		if v != 8 && v != 13 {
			bad("Versions", "version %d is not supported (supported: 13, 8)", v)
		}
	}
	for _, p := range o.Subprotocols {
		if !isToken(p) {
			bad("Subprotocols", "%q is not an HTTP token", p)
		}
	}
	for _, p := range o.AllowedOrigins {
		if err := checkOriginPattern(p); err != nil {
			bad("AllowedOrigins", "%v", err)
		}
	}
	checkCommon(bad, o.common())
	if o.MaxConnections < -1 {
		bad("MaxConnections", "%d: use 0 or -1 for no cap, or a positive number", o.MaxConnections)
	}
	if o.TrustXForwardedFor < 0 {
		bad("TrustXForwardedFor", "%d: must be 0 or more", o.TrustXForwardedFor)
	}
	if strings.ContainsAny(o.Server, "\r\n") {
		bad("Server", "must not contain CR or LF")
	}
	return errors.Join(errs...)
}

// commonOptions are the options servers and clients share, gathered for
// validation and resolution.
type commonOptions struct {
	MaxFramePayloadSize   int64
	MaxMessagePayloadSize int64
	AutoFragmentSize      int
	OpenHandshakeTimeout  time.Duration
	CloseHandshakeTimeout time.Duration
	WriteTimeout          time.Duration
	AutoPingInterval      time.Duration
	AutoPingTimeout       time.Duration
	AutoPingSize          int
	CompressionThreshold  int
	ReadBufferSize        int
	WriteBufferSize       int
}

func checkCommon(bad func(field, format string, args ...any), c commonOptions) {
	size := func(field string, v int64) {
		if v < -1 {
			bad(field, "%d: use 0 for the default, -1 for unlimited, or a positive size", v)
		}
	}
	dur := func(field string, v time.Duration) {
		if v < 0 && v != Unlimited {
			bad(field, "%v: use 0 for the default, -1 for none, or a positive duration", v)
		}
	}
	size("MaxFramePayloadSize", c.MaxFramePayloadSize)
	size("MaxMessagePayloadSize", c.MaxMessagePayloadSize)
	if c.AutoFragmentSize < 0 {
		bad("AutoFragmentSize", "%d: use 0 for no fragmentation or a positive size", c.AutoFragmentSize)
	}
	dur("OpenHandshakeTimeout", c.OpenHandshakeTimeout)
	dur("CloseHandshakeTimeout", c.CloseHandshakeTimeout)
	dur("WriteTimeout", c.WriteTimeout)
	if c.AutoPingInterval < 0 {
		bad("AutoPingInterval", "%v: use 0 for no automatic pings or a positive duration", c.AutoPingInterval)
	}
	if c.AutoPingTimeout < 0 {
		bad("AutoPingTimeout", "%v: use 0 for the default (AutoPingInterval) or a positive duration", c.AutoPingTimeout)
	}
	if c.AutoPingSize != 0 && (c.AutoPingSize < 4 || c.AutoPingSize > maxControlPayload) {
		bad("AutoPingSize", "%d: allowed 4 to 125 (0 for the default, 4)", c.AutoPingSize)
	}
	if c.CompressionThreshold < 0 {
		bad("CompressionThreshold", "%d: must be 0 or more", c.CompressionThreshold)
	}
	if c.ReadBufferSize < 0 || (c.ReadBufferSize > 0 && c.ReadBufferSize < 256) {
		bad("ReadBufferSize", "%d: use 0 for the default or at least 256", c.ReadBufferSize)
	}
	if c.WriteBufferSize < 0 || (c.WriteBufferSize > 0 && c.WriteBufferSize < 256) {
		bad("WriteBufferSize", "%d: use 0 for the default or at least 256", c.WriteBufferSize)
	}
}
