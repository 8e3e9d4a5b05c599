package wshttp

import (
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/wsplug/wsplug/wscore"
)

// Defaults of NewHTTPServer.
const (
	// DefaultIdleTimeout closes keep-alive HTTP connections idle this long.
	DefaultIdleTimeout = 120 * time.Second
	// DefaultMaxHeaderBytes bounds a request head; handshakes are small.
	DefaultMaxHeaderBytes = 64 << 10
)

// NewHTTPServer returns an http.Server for h with timeouts fit for a
// WebSocket server: the request head must arrive within the route's
// OpenHandshakeTimeout (default 5 s), idle keep-alive connections close after
// DefaultIdleTimeout, heads are capped at DefaultMaxHeaderBytes. ReadTimeout
// and WriteTimeout stay unset: upgraded connections clear them anyway, and
// they would cut your other handlers' long responses. The server's own errors
// go to opts.Logger at warning level.
func NewHTTPServer(h http.Handler, opts wscore.Options) *http.Server {
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: openTimeout(opts),
		IdleTimeout:       DefaultIdleTimeout,
		MaxHeaderBytes:    DefaultMaxHeaderBytes,
	}
	if opts.Logger != nil {
		hs.ErrorLog = slog.NewLogLogger(opts.Logger.Handler(), slog.LevelWarn)
	}
	return hs
}

func openTimeout(opts wscore.Options) time.Duration {
	switch t := opts.OpenHandshakeTimeout; {
	case t == 0:
		return wscore.DefaultOpenHandshakeTimeout
	case t < 0:
		return 0
	default:
		return t
	}
}

// Listen opens a TCP listener on addr ("host:port"; port 0 picks a free one).
// With opts.ServeFlashSocketPolicy it answers Flash's policy requests on the
// same port (see FlashPolicyListener).
func Listen(addr string, opts wscore.Options) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if opts.ServeFlashSocketPolicy {
		ln = FlashPolicyListener(ln, opts.FlashSocketPolicy, openTimeout(opts))
	}
	return ln, nil
}

// ListenAndServe serves one protocol on a whole port, as Autobahn's
// listenWS(factory) does: every path is the WebSocket route, and a browser's
// plain GET gets the status page. It returns only when serving fails. For
// graceful shutdown, compose Handler, Listen and NewHTTPServer, and call both
// the HTTP server's and the route's Shutdown.
func ListenAndServe(addr string, factory wscore.ServerProtocolFactory, opts wscore.Options) error {
	return listenAndServe(addr, factory, opts, nil)
}

// listenAndServe is ListenAndServe; started, when set, is told the listener
// and the route once it is serving (the tests use port 0, and stop it).
func listenAndServe(addr string, factory wscore.ServerProtocolFactory, opts wscore.Options, started func(net.Listener, *Route)) error {
	rt, err := Handler(factory, opts) // a bad option fails before the port is opened
	if err != nil {
		return err
	}
	ln, err := Listen(addr, opts)
	if err != nil {
		return err
	}
	if started != nil {
		started(ln, rt)
	}
	return NewHTTPServer(rt, opts).Serve(ln)
}
