package wscore

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// ClientOptions configure Dial: the protocol options of Autobahn's
// WebSocketClientFactory plus what a Go client needs to build its request
// (headers, cookies, TLS, dialer, proxy). The zero value, or a nil pointer, is
// the default configuration; switches that are on by default are named for
// turning them off, and sizes and durations use 0 for the default and -1
// (Unlimited) for none. Dial copies the value, so changing it afterwards has no
// effect.
type ClientOptions struct {
	// Version is the protocol version the client speaks: 13 (RFC 6455, the
	// default) or 8 (hybi-08, which sends the origin as Sec-WebSocket-Origin).
	Version int

	// Subprotocols are offered in Sec-WebSocket-Protocol, in order of
	// preference. The server's choice is in ConnectionResponse.Subprotocol; a
	// choice that was not offered fails the handshake.
	Subprotocols []string

	// Origin is sent as the Origin header (Sec-WebSocket-Origin for version 8).
	// Default: none, as for any client that is not a browser.
	Origin string

	// Header holds extra request headers (Authorization, User-Agent, ...). The
	// handshake's own headers (Upgrade, Connection, Sec-WebSocket-*) cannot be
	// set this way; Validate reports them. Default User-Agent: "wsplug/<Version>".
	Header http.Header

	// Jar supplies cookies for the request and receives the Set-Cookie headers
	// of the response (also of a refused one). The request carries a single
	// Cookie header (RFC 6265 section 5.4): Header's Cookie values, then the
	// jar's cookies.
	Jar http.CookieJar

	// TLSConfig is used for wss:// (cloned; ServerName defaults to the URL's
	// host). Default: the system roots. It is not used for an https:// proxy:
	// see ProxyTLSConfig.
	TLSConfig *tls.Config

	// ProxyTLSConfig is used for the TLS connection to an https:// proxy
	// (cloned; ServerName defaults to the proxy URL's host), which is a
	// different server from the one the WebSocket goes to, usually with a
	// different certificate and trust. Default (nil): the system roots and the
	// proxy's host name, whatever TLSConfig says.
	ProxyTLSConfig *tls.Config

	// NetDialContext makes the TCP connection (to the server, or to the proxy).
	// Default: a net.Dialer.
	NetDialContext func(ctx context.Context, network, addr string) (net.Conn, error)

	// Proxy chooses a proxy for the request (whose URL has the scheme http for
	// ws:// and https for wss://), as http.Transport.Proxy does: nil URL for a
	// direct connection. Proxy URLs may be http:// or https:// (HTTP CONNECT,
	// over TLS with ProxyTLSConfig for https) or socks5:// / socks5h://
	// (SOCKS5); user info in the URL authenticates.
	// Default: http.ProxyFromEnvironment, so HTTP_PROXY, HTTPS_PROXY and NO_PROXY
	// are honoured as net/http does (it never proxies loopback addresses).
	// Set DisableProxy to connect directly whatever the environment says.
	Proxy func(*http.Request) (*url.URL, error)

	// DisableProxy ignores Proxy and the environment: always connect directly.
	DisableProxy bool

	// AcceptMaskedServerFrames accepts masked frames from the server
	// (Autobahn's acceptMaskedServerFrames). Off by default: RFC 6455 forbids
	// them and the connection fails with 1002.
	AcceptMaskedServerFrames bool

	// PerMessageCompressionOffers are the permessage-deflate offers sent to
	// the server, most preferred first (Autobahn's perMessageCompressionOffers).
	// Default: none, no compression. A typical offer is
	// DeflateOffer{ClientMaxWindowBits: -1}, as browsers make.
	PerMessageCompressionOffers []DeflateOffer

	// PerMessageCompressionAccept may refuse the server's accepted parameters
	// (the connection then fails). Default nil: any answer that fits one of
	// the offers is accepted. Answers that fit no offer are always refused.
	PerMessageCompressionAccept func(DeflateResponse) bool

	// DisableClientMasking sends unmasked frames (Autobahn's
	// maskClientFrames=False), which RFC 6455 forbids; for testing servers.
	DisableClientMasking bool

	// DisableApplyMask sends the mask bit and key without XORing the payload
	// (Autobahn's applyMask=False; for testing only).
	DisableApplyMask bool

	// ServerConnectionDropTimeout is how long the client waits, after the
	// closing handshake, for the server to close TCP (RFC 6455 7.1.1: the
	// server closes first) before closing it itself. Default 1 s; -1 waits
	// without a limit.
	ServerConnectionDropTimeout time.Duration

	// DisableUTF8Validation turns off the validation of text messages and close
	// reasons (Autobahn's utf8validateIncoming=False).
	DisableUTF8Validation bool

	// MaxFramePayloadSize fails a connection with 1009 when a frame is larger.
	// Default: no per-frame limit (MaxMessagePayloadSize still applies).
	MaxFramePayloadSize int64

	// MaxMessagePayloadSize fails a connection with 1009 when a message is
	// larger, checked while reading. Default: DefaultMaxMessagePayloadSize.
	// Unlimited: -1.
	MaxMessagePayloadSize int64

	// AutoFragmentSize splits outgoing messages into frames of at most this many
	// payload bytes. Default: no fragmentation.
	AutoFragmentSize int

	// FailByDrop drops TCP at once when failing a connection, without sending a
	// close frame first. Off by default (Autobahn's default is on).
	FailByDrop bool

	// EchoCloseCodeReason answers a close frame with the server's own code and
	// reason instead of 1000.
	EchoCloseCodeReason bool

	// OpenHandshakeTimeout bounds the opening handshake: proxy, TCP and TLS
	// connection, request and response. Default 5 s. The context given to Dial
	// bounds it too.
	OpenHandshakeTimeout time.Duration

	// CloseHandshakeTimeout bounds the wait for the server's close frame after
	// ours was sent. Default 1 s.
	CloseHandshakeTimeout time.Duration

	// WriteTimeout bounds every write to the socket. Default 10 s.
	WriteTimeout time.Duration

	// DisableTCPNoDelay turns Nagle's algorithm back on.
	DisableTCPNoDelay bool

	// AutoPingInterval, AutoPingTimeout and AutoPingSize work as in Options.
	AutoPingInterval time.Duration
	AutoPingTimeout  time.Duration
	AutoPingSize     int

	// CompressionThreshold sends messages shorter than this uncompressed even
	// when permessage-deflate is in use.
	CompressionThreshold int

	// ReadBufferSize and WriteBufferSize size the connection's buffers.
	ReadBufferSize  int
	WriteBufferSize int

	// LogFrames and LogOctets log every frame and every received octet at debug
	// level on Logger.
	LogFrames bool
	LogOctets bool

	// TrackTimings records the connection's milestones.
	TrackTimings bool

	// Logger receives the engine's logs. Default: slog.Default().
	Logger *slog.Logger
}

// reservedRequestHeaders are written by Dial itself; ClientOptions.Header may
// not set them.
var reservedRequestHeaders = map[string]bool{
	"Host": true, "Upgrade": true, "Connection": true,
	"Sec-Websocket-Key": true, "Sec-Websocket-Version": true, "Sec-Websocket-Accept": true,
	"Sec-Websocket-Protocol": true, "Sec-Websocket-Extensions": true,
	"Sec-Websocket-Origin": true, "Origin": true,
	"Content-Length": true, "Transfer-Encoding": true,
}

// Validate reports every option value that is out of range, naming the field
// and the allowed values. Dial calls it; a nil *ClientOptions is valid.
func (o *ClientOptions) Validate() error {
	if o == nil {
		return nil
	}
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &OptionError{Struct: "ClientOptions", Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	if o.Version != 0 && o.Version != 13 && o.Version != 8 {
		bad("Version", "%d is not supported (allowed: 13, 8; 0 for the default, 13)", o.Version)
	}
	for i, p := range o.Subprotocols {
		switch {
		case !isToken(p):
			bad("Subprotocols", "%q is not an HTTP token", p)
		case slices.Contains(o.Subprotocols[:i], p):
			bad("Subprotocols", "%q is offered twice", p)
		}
	}
	for i, off := range o.PerMessageCompressionOffers {
		if err := off.Validate(); err != nil {
			bad("PerMessageCompressionOffers", "offer %d: %v", i, err)
		}
	}
	if !validHeaderValue(o.Origin) {
		bad("Origin", "must not contain control characters")
	}
	for k, vs := range o.Header {
		if !isToken(k) {
			bad("Header", "invalid header name %q", k)
			continue
		}
		if reservedRequestHeaders[http.CanonicalHeaderKey(k)] {
			bad("Header", "%s is set by the handshake (use the dedicated option or none)", k)
		}
		for _, v := range vs {
			if !validHeaderValue(v) {
				bad("Header", "value of %s contains control characters", k)
			}
		}
	}
	if d := o.ServerConnectionDropTimeout; d < 0 && d != Unlimited {
		bad("ServerConnectionDropTimeout", "%v: use 0 for the default (1s), -1 for none, or a positive duration", d)
	}
	checkCommon(bad, o.common())
	return errors.Join(errs...)
}

func (o *ClientOptions) common() commonOptions {
	return commonOptions{
		MaxFramePayloadSize:   o.MaxFramePayloadSize,
		MaxMessagePayloadSize: o.MaxMessagePayloadSize,
		AutoFragmentSize:      o.AutoFragmentSize,
		OpenHandshakeTimeout:  o.OpenHandshakeTimeout,
		CloseHandshakeTimeout: o.CloseHandshakeTimeout,
		WriteTimeout:          o.WriteTimeout,
		AutoPingInterval:      o.AutoPingInterval,
		AutoPingTimeout:       o.AutoPingTimeout,
		AutoPingSize:          o.AutoPingSize,
		CompressionThreshold:  o.CompressionThreshold,
		ReadBufferSize:        o.ReadBufferSize,
		WriteBufferSize:       o.WriteBufferSize,
	}
}

// clone copies the options so the caller's value (and its maps and slices)
// can change after Dial without effect. A nil pointer gives the defaults.
func (o *ClientOptions) clone() *ClientOptions {
	if o == nil {
		return &ClientOptions{}
	}
	c := *o
	c.Subprotocols = slices.Clone(o.Subprotocols)
	c.PerMessageCompressionOffers = slices.Clone(o.PerMessageCompressionOffers)
	c.Header = o.Header.Clone()
	if o.TLSConfig != nil {
		c.TLSConfig = o.TLSConfig.Clone()
	}
	if o.ProxyTLSConfig != nil {
		c.ProxyTLSConfig = o.ProxyTLSConfig.Clone()
	}
	return &c
}

// version returns the protocol version to speak.
func (o *ClientOptions) version() int {
	if o.Version == 0 {
		return 13
	}
	return o.Version
}

// clientConfig resolves client options into the connection's config.
func (o *ClientOptions) clientConfig() config {
	cfg := resolveCommon(o.common(), o.Logger)
	cfg.client = true
	cfg.failByDrop = o.FailByDrop
	cfg.echoClose = o.EchoCloseCodeReason
	cfg.validateUTF8 = !o.DisableUTF8Validation
	cfg.noDelay = !o.DisableTCPNoDelay
	cfg.rejectMasked = !o.AcceptMaskedServerFrames
	cfg.maskOutgoing = !o.DisableClientMasking
	cfg.applyMask = !o.DisableApplyMask
	cfg.dropTimeout = resolveDuration(o.ServerConnectionDropTimeout, DefaultServerConnectionDropTimeout)
	cfg.logFrames = o.LogFrames
	cfg.logOctets = o.LogOctets
	cfg.trackTimings = o.TrackTimings
	return cfg
}

// userAgent is the default User-Agent of the opening handshake.
func userAgent() string { return "wsplug/" + Version }

// hasHeader reports whether h sets name, whatever the case of its key.
func hasHeader(h http.Header, name string) bool {
	for k := range h {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}
