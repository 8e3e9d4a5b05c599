package wsgin

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/wsplug/wsplug/status"
	"github.com/wsplug/wsplug/wscore"
)

// Config configures a WebSocket route on gin.
type Config struct {
	// Factory makes the protocol of each connection. Required unless Server
	// is set.
	Factory wscore.ServerProtocolFactory
	// Options are the route's options (origins, limits, MaxConnections...).
	// Ignored when Server is set.
	Options wscore.Options
	// Server serves the route instead of one built from Factory and Options;
	// pass one to keep a handle for Shutdown and Stats (New and NewMiddleware
	// give no other way to reach the engine).
	Server *wscore.Server
}

// DefaultConfig returns a fresh Config with the default options; set its
// Factory.
func DefaultConfig() Config { return Config{} }

// Route is a WebSocket route on gin. Its Handler is the handler form (a plain
// GET gets the status page, or 426 with DisableWebStatus); its Middleware the
// middleware form (plain requests continue down the chain).
type Route struct {
	srv *wscore.Server
}

// NewRoute validates cfg and builds the route; a bad configuration is an
// error.
func NewRoute(cfg Config) (*Route, error) {
	s := cfg.Server
	if s == nil {
		if cfg.Factory == nil {
			return nil, fmt.Errorf("wsgin: NewRoute: %w (set Config.Factory or Config.Server)", wscore.ErrNoFactory)
		}
		var err error
		if s, err = wscore.NewServer(cfg.Factory, cfg.Options); err != nil {
			return nil, err
		}
	}
	return &Route{srv: s}, nil
}

// New returns the handler form of a route, panicking on a bad configuration
// as gin middlewares do at start-up. NewRoute returns the error instead.
//
// The route's engine is what Shutdown and Stats are called on: to keep it,
// build it with wscore.NewServer and pass it as cfg.Server (or use NewRoute
// and Route.Server). Built from cfg.Factory, it is out of reach.
func New(cfg Config) gin.HandlerFunc {
	return mustRoute(cfg).Handler()
}

// NewMiddleware returns the middleware form of a route: WebSocket upgrades
// are served, every other request goes on with c.Next(). It panics on a bad
// configuration. Pass cfg.Server to keep the engine, as for New; on a group
// (group.Use), every upgrade under the group's prefix is this route's.
func NewMiddleware(cfg Config) gin.HandlerFunc {
	return mustRoute(cfg).Middleware()
}

func mustRoute(cfg Config) *Route {
	rt, err := NewRoute(cfg)
	if err != nil {
		panic(err)
	}
	return rt
}

// Server is the route's engine: Shutdown it with the HTTP server, read Stats.
func (rt *Route) Server() *wscore.Server { return rt.srv }

// Handler is the handler form.
func (rt *Route) Handler() gin.HandlerFunc {
	return func(c *gin.Context) { rt.serve(c, false) }
}

// Middleware is the middleware form.
func (rt *Route) Middleware() gin.HandlerFunc {
	return func(c *gin.Context) { rt.serve(c, true) }
}

func (rt *Route) serve(c *gin.Context, middleware bool) {
	r := c.Request
	if !wscore.IsUpgradeRequest(r.Header) {
		if middleware {
			c.Next()
			return
		}
		status.Respond(rt.srv, status.Request{
			Method: r.Method,
			Accept: status.AcceptHeader(r.Header),
			Route:  routeOf(c),
		}).Write(c.Writer)
		c.Abort()
		return
	}
	defer c.Abort() // the response is ours, whatever happens
	req := wscore.RequestFromHTTP(r)
	req.Params = params(c)
	req.Values = values(c)
	h, err := rt.srv.Prepare(req)
	if err != nil {
		var herr *wscore.HTTPError
		if !errors.As(err, &herr) {
			herr = &wscore.HTTPError{Status: http.StatusInternalServerError, Reason: "internal server error"}
		}
		c.Error(err).SetType(gin.ErrorTypePrivate) // for gin's logger
		wscore.WriteHTTPError(c.Writer, herr)
		return
	}
	c.Status(http.StatusSwitchingProtocols) // what gin's logger shows; the engine writes the 101
	if err := h.Hijack(c.Writer); err != nil {
		c.Error(err).SetType(gin.ErrorTypePrivate)
		http.Error(c.Writer, "websocket: the connection cannot be taken over", http.StatusInternalServerError)
	}
}

// Status serves the status page of s on a URL of its own, for a route in
// middleware form; route is the WebSocket route's path, which the page shows
// and its console connects to.
func Status(s *wscore.Server, route string) gin.HandlerFunc {
	return gin.WrapH(status.Handler(s, route))
}

func routeOf(c *gin.Context) string {
	if p := c.FullPath(); p != "" {
		return p
	}
	return c.Request.URL.Path
}

// params copies the route's path parameters.
func params(c *gin.Context) map[string]string {
	if len(c.Params) == 0 {
		return nil
	}
	m := make(map[string]string, len(c.Params))
	for _, p := range c.Params {
		m[p.Key] = p.Value
	}
	return m
}

// values copies c.Keys with string keys (the only ones a map[string]any can
// carry; gin's own c.Set takes strings). c.Keys is guarded by gin's mutex,
// which c.Set takes (a goroutine of the app may be setting keys meanwhile);
// gin exposes no accessor that lists keys, but c.Copy clones them under that
// lock.
func values(c *gin.Context) map[string]any {
	keys := c.Copy().Keys
	var m map[string]any
	for k, v := range keys {
		if s, ok := k.(string); ok {
			if m == nil {
				m = make(map[string]any, len(keys))
			}
			m[s] = v
		}
	}
	return m
}
