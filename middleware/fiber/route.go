package wsfiber

import (
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/wsplug/wsplug/status"
	"github.com/wsplug/wsplug/wscore"
)

// Route is a WebSocket route on fiber. Its Handler is the handler form (a
// plain GET gets the status page, or 426 with DisableWebStatus); its
// Middleware the middleware form (plain requests go on with c.Next()).
type Route struct {
	srv  *wscore.Server
	next func(*fiber.Ctx) bool
}

// NewRoute validates cfg and builds the route; a bad configuration is an
// error.
func NewRoute(cfg Config) (*Route, error) {
	s := cfg.Server
	if s == nil {
		if cfg.Factory == nil {
			return nil, fmt.Errorf("wsfiber: NewRoute: %w (set Config.Factory or Config.Server)", wscore.ErrNoFactory)
		}
		var err error
		if s, err = wscore.NewServer(cfg.Factory, cfg.Options); err != nil {
			return nil, err
		}
	}
	return &Route{srv: s, next: cfg.Next}, nil
}

// New returns the handler form of a route, panicking on a bad configuration
// as fiber middlewares do at start-up; NewRoute returns the error instead.
//
// The route's engine is what Shutdown and Stats are called on: to keep it,
// build it with wscore.NewServer and pass it as Config.Server (or use
// NewRoute and Route.Server). Built from Config.Factory, it is out of reach.
func New(config ...Config) fiber.Handler {
	return mustRoute(configDefault(config...)).Handler()
}

// NewMiddleware returns the middleware form of a route: WebSocket upgrades
// are served, every other request goes on with c.Next(). It panics on a bad
// configuration. Pass Config.Server to keep the engine, as for New; on a
// group (app.Group(prefix, handler) or Use), every upgrade under the prefix
// is this route's.
func NewMiddleware(config ...Config) fiber.Handler {
	return mustRoute(configDefault(config...)).Middleware()
}

func mustRoute(cfg Config) *Route {
	rt, err := NewRoute(cfg)
	if err != nil {
		panic(err)
	}
	return rt
}

// Server is the route's engine: Shutdown it with the app, read Stats.
func (rt *Route) Server() *wscore.Server { return rt.srv }

// Handler is the handler form.
func (rt *Route) Handler() fiber.Handler {
	return func(c *fiber.Ctx) error { return rt.serve(c, false) }
}

// Middleware is the middleware form.
func (rt *Route) Middleware() fiber.Handler {
	return func(c *fiber.Ctx) error { return rt.serve(c, true) }
}

// serve answers c. Refusals are returned as *fiber.Error (status and reason)
// so the app's ErrorHandler renders and logs them like its other errors.
//
// fasthttp reuses c and its request once this returns: everything the
// connection needs is copied first (requestOf), and the hijack handler sees
// only the copy and the handshake.
func (rt *Route) serve(c *fiber.Ctx, middleware bool) error {
	if rt.next != nil && rt.next(c) {
		return c.Next()
	}
	if !IsWebSocketUpgrade(c) {
		if middleware {
			return c.Next()
		}
		return send(c, status.Respond(rt.srv, status.Request{
			Method: c.Method(),
			Accept: accept(c),
			Route:  routeOf(c),
		}))
	}
	h, err := rt.srv.Prepare(requestOf(c))
	if err != nil {
		var herr *wscore.HTTPError
		if !errors.As(err, &herr) {
			return fiber.NewError(http.StatusInternalServerError, "internal server error")
		}
		for k, vs := range herr.Header {
			for _, v := range vs {
				c.Response().Header.Add(k, v)
			}
		}
		return fiber.NewError(herr.Status, herr.Reason)
	}
	fc := c.Context()
	fc.HijackSetNoResponse(true) // the engine writes the 101 itself
	fc.Hijack(func(conn net.Conn) { serveHijacked(h, conn) })
	c.Status(http.StatusSwitchingProtocols) // for fiber's logger; never sent
	return nil
}

// IsWebSocketUpgrade reports whether c asks for a WebSocket upgrade (its
// Upgrade header lists "websocket"), as gofiber's websocket contrib does.
func IsWebSocketUpgrade(c *fiber.Ctx) bool {
	lines := c.Request().Header.PeekAll(fiber.HeaderUpgrade)
	if len(lines) == 0 {
		return false
	}
	h := http.Header{"Upgrade": make([]string, len(lines))}
	for i, l := range lines {
		h["Upgrade"][i] = string(l)
	}
	return wscore.IsUpgradeRequest(h)
}

// Status serves the status page of s on a URL of its own, for a route in
// middleware form; route is the WebSocket route's path, which the page shows
// and its console connects to.
func Status(s *wscore.Server, route string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		return send(c, status.Render(s, status.Request{
			Method:      c.Method(),
			Accept:      accept(c),
			Route:       route,
			ConsolePath: route,
		}))
	}
}

// send writes a status response through fiber.
func send(c *fiber.Ctx, resp status.Response) error {
	for k, vs := range resp.Header {
		for i, v := range vs {
			if i == 0 {
				c.Set(k, v)
			} else {
				c.Response().Header.Add(k, v)
			}
		}
	}
	return c.Status(resp.Status).Send(resp.Body)
}

func accept(c *fiber.Ctx) string {
	lines := c.Request().Header.PeekAll(fiber.HeaderAccept)
	h := http.Header{}
	for _, l := range lines {
		h.Add("Accept", string(l))
	}
	return status.AcceptHeader(h)
}

func routeOf(c *fiber.Ctx) string {
	if r := c.Route(); r != nil && r.Path != "" {
		return r.Path
	}
	return string(c.Request().URI().Path())
}
