// Package wsecho serves wsplug WebSocket routes on echo v4.
//
// A route is one *wscore.Server. The handler form (an echo.HandlerFunc)
// answers its path: an upgrade goes through the engine's checks (400, 426,
// 403, 503, OnConnect) to 101; a plain GET gets the status page (JSON when
// Accept prefers it), or 426 with Options.DisableWebStatus. The middleware
// form (an echo.MiddlewareFunc) passes every request that is not an upgrade to
// the next handler. A refused handshake is returned as *echo.HTTPError (its
// reason as the message, the engine's *wscore.HTTPError inside), so the app's
// HTTPErrorHandler renders and logs it.
//
// echo's path parameters reach OnConnect as ConnectionRequest.Params; echo
// cannot list a context's values, so the c.Get keys named in
// Config.ContextKeys are copied into ConnectionRequest.Values.
//
// # Signatures
//
//	func Handler(factory wscore.ServerProtocolFactory, opts wscore.Options) echo.HandlerFunc
//	func HandlerWithConfig(cfg Config) echo.HandlerFunc
//	func Middleware(factory wscore.ServerProtocolFactory, opts wscore.Options) echo.MiddlewareFunc
//	func MiddlewareWithConfig(cfg Config) echo.MiddlewareFunc
//	func DefaultConfig() Config
//	func NewRoute(cfg Config) (*Route, error)    // the error-returning form (also cfg.ToRoute())
//	func (rt *Route) Handler() echo.HandlerFunc
//	func (rt *Route) Middleware() echo.MiddlewareFunc
//	func (rt *Route) Server() *wscore.Server     // Shutdown, Stats
//	func Status(s *wscore.Server, route string) echo.HandlerFunc
//
// The X and XWithConfig constructors panic on a bad configuration at start-up
// as echo's own middlewares do; NewRoute returns the error.
//
// # Config
//
//	| Field       | Type                         | Default      | Meaning                                                   |
//	|-------------|------------------------------|--------------|-----------------------------------------------------------|
//	| Skipper     | func(echo.Context) bool      | skip nothing | middleware form: next; handler form: echo.ErrNotFound     |
//	| Factory     | wscore.ServerProtocolFactory | —            | makes each connection's protocol (required unless Server) |
//	| Options     | wscore.Options               | zero         | the route's options; ignored with Server                  |
//	| Server      | *wscore.Server               | nil          | serve this engine (keep it for Shutdown, Stats)           |
//	| ContextKeys | []string                     | none         | c.Get keys copied into ConnectionRequest.Values           |
//
// DefaultConfig's Skipper returns false, as echo's DefaultSkipper; a nil
// Skipper means the same. A skipped request in handler form gets
// echo.ErrNotFound, what echo's router returns for a path without a handler,
// so the app's HTTPErrorHandler answers 404.
//
// # The engine
//
// Upgraded connections are served on goroutines of their own, which echo's
// Shutdown does not know: keep the route's *wscore.Server and call its
// Shutdown alongside (its Stats are the status page's counters). With the
// WithConfig constructors, build it yourself and pass it as Config.Server:
//
//	srv := wscore.MustNewServer(newEcho, wscore.Options{})
//	e.GET("/ws", wsecho.HandlerWithConfig(wsecho.Config{Server: srv}))
//	defer srv.Shutdown(ctx)
//
// NewRoute does the same with an error instead of a panic: rt.Server().
// Handler and Middleware build an engine nobody can reach.
package wsecho
