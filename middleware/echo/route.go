package wsecho

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/wsplug/wsplug/status"
	"github.com/wsplug/wsplug/wscore"
)

// Config configures a WebSocket route on echo.
type Config struct {
	// Skipper defines a function to skip the route: the middleware form
	// passes a skipped request to the next handler; the handler form, which
	// has no next handler, returns echo.ErrNotFound (what echo's router
	// returns for a path without a handler), so the app's HTTPErrorHandler
	// renders a 404.
	// Optional. Default: skip nothing (DefaultConfig sets a Skipper that
	// returns false, as echo's DefaultSkipper; nil means the same). echo's
	// middleware.Skipper values fit.
	Skipper func(c echo.Context) bool
	// Factory makes the protocol of each connection.
	// Required unless Server is set.
	Factory wscore.ServerProtocolFactory
	// Options are the route's options. Ignored when Server is set.
	// Optional. Default: the zero wscore.Options.
	Options wscore.Options
	// Server serves the route instead of one built from Factory and Options;
	// pass one to keep a handle for Shutdown and Stats (the X and
	// XWithConfig constructors give no other way to reach the engine).
	// Optional. Default: nil.
	Server *wscore.Server
	// ContextKeys are the c.Get keys copied into ConnectionRequest.Values
	// (echo cannot list a context's values).
	// Optional. Default: none.
	ContextKeys []string
}

// DefaultConfig returns a fresh Config with the defaults; set its Factory.
func DefaultConfig() Config { return Config{Skipper: skipNothing} }

func skipNothing(echo.Context) bool { return false }

// Route is a WebSocket route on echo, with its handler and middleware forms.
type Route struct {
	srv     *wscore.Server
	skipper func(echo.Context) bool
	keys    []string
}

// NewRoute validates cfg and builds the route; a bad configuration is an
// error. ToRoute is the same as a method.
func NewRoute(cfg Config) (*Route, error) {
	s := cfg.Server
	if s == nil {
		if cfg.Factory == nil {
			return nil, fmt.Errorf("wsecho: NewRoute: %w (set Config.Factory or Config.Server)", wscore.ErrNoFactory)
		}
		var err error
		if s, err = wscore.NewServer(cfg.Factory, cfg.Options); err != nil {
			return nil, err
		}
	}
	rt := &Route{srv: s, skipper: cfg.Skipper, keys: append([]string(nil), cfg.ContextKeys...)}
	if rt.skipper == nil {
		rt.skipper = skipNothing
	}
	return rt, nil
}

// ToRoute is NewRoute(cfg), after echo's config.ToMiddleware convention.
func (cfg Config) ToRoute() (*Route, error) { return NewRoute(cfg) }

// Handler is the handler form for a route serving factory with opts: a plain
// GET gets the status page (426 with DisableWebStatus). It panics on a bad
// configuration, as echo's XWithConfig constructors do; use NewRoute for the
// error.
//
// The engine it builds is out of reach; to call Shutdown and Stats on it,
// build it with wscore.NewServer and pass it as Config.Server to
// HandlerWithConfig (or use NewRoute and Route.Server).
func Handler(factory wscore.ServerProtocolFactory, opts wscore.Options) echo.HandlerFunc {
	return HandlerWithConfig(Config{Factory: factory, Options: opts})
}

// HandlerWithConfig is Handler with a Config.
func HandlerWithConfig(cfg Config) echo.HandlerFunc { return mustRoute(cfg).Handler() }

// Middleware is the middleware form: WebSocket upgrades are served, every
// other request goes to the next handler. It panics on a bad configuration.
// On a group (g.Use), every upgrade under the group's prefix is this route's.
// As with Handler, pass Config.Server to MiddlewareWithConfig to keep the
// engine.
func Middleware(factory wscore.ServerProtocolFactory, opts wscore.Options) echo.MiddlewareFunc {
	return MiddlewareWithConfig(Config{Factory: factory, Options: opts})
}

// MiddlewareWithConfig is Middleware with a Config.
func MiddlewareWithConfig(cfg Config) echo.MiddlewareFunc { return mustRoute(cfg).Middleware() }

func mustRoute(cfg Config) *Route {
	rt, err := NewRoute(cfg)
	if err != nil {
		panic(err)
	}
	return rt
}

// Server is the route's engine: Shutdown it with echo, read Stats.
func (rt *Route) Server() *wscore.Server { return rt.srv }

// Handler is the route's handler form.
func (rt *Route) Handler() echo.HandlerFunc {
	return func(c echo.Context) error {
		if rt.skipper(c) {
			return echo.ErrNotFound
		}
		return rt.serve(c, nil)
	}
}

// Middleware is the route's middleware form.
func (rt *Route) Middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if rt.skipper(c) {
				return next(c)
			}
			return rt.serve(c, next)
		}
	}
}

// serve answers c. Refusals are returned as *echo.HTTPError (the reason as
// message, the engine's error inside) so the application's HTTPErrorHandler
// renders and logs them like its other errors.
func (rt *Route) serve(c echo.Context, next echo.HandlerFunc) error {
	r := c.Request()
	if !wscore.IsUpgradeRequest(r.Header) {
		if next != nil {
			return next(c)
		}
		resp := status.Respond(rt.srv, status.Request{
			Method: r.Method,
			Accept: status.AcceptHeader(r.Header),
			Route:  routeOf(c),
		})
		resp.Write(c.Response())
		return nil
	}
	req := wscore.RequestFromHTTP(r)
	req.Params = params(c)
	req.Values = rt.values(c)
	h, err := rt.srv.Prepare(req)
	if err != nil {
		var herr *wscore.HTTPError
		if !errors.As(err, &herr) {
			return echo.NewHTTPError(http.StatusInternalServerError).SetInternal(err)
		}
		for k, vs := range herr.Header {
			for _, v := range vs {
				c.Response().Header().Add(k, v)
			}
		}
		return echo.NewHTTPError(herr.Status, herr.Reason).SetInternal(herr)
	}
	if err := h.Hijack(c.Response()); err != nil {
		return echo.NewHTTPError(http.StatusInternalServerError, "websocket: the connection cannot be taken over").SetInternal(err)
	}
	// Tell echo (and its logger) the response is done: the engine wrote the
	// 101 on the hijacked connection.
	c.Response().Status = http.StatusSwitchingProtocols
	c.Response().Committed = true
	return nil
}

// Status serves the status page of s on a URL of its own, for a route in
// middleware form; route is the WebSocket route's path, which the page shows
// and its console connects to.
func Status(s *wscore.Server, route string) echo.HandlerFunc {
	return echo.WrapHandler(status.Handler(s, route))
}

func routeOf(c echo.Context) string {
	if p := c.Path(); p != "" {
		return p
	}
	return c.Request().URL.Path
}

func params(c echo.Context) map[string]string {
	names := c.ParamNames()
	if len(names) == 0 {
		return nil
	}
	vals := c.ParamValues()
	m := make(map[string]string, len(names))
	for i, n := range names {
		if i < len(vals) {
			m[n] = vals[i]
		}
	}
	return m
}

func (rt *Route) values(c echo.Context) map[string]any {
	var m map[string]any
	for _, k := range rt.keys {
		if v := c.Get(k); v != nil {
			if m == nil {
				m = make(map[string]any, len(rt.keys))
			}
			m[k] = v
		}
	}
	return m
}
