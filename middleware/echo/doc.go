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
//	| Field       | Type                        | Default | Meaning                                            |
//	|-------------|-----------------------------|---------|----------------------------------------------------|
//	| Skipper     | func(echo.Context) bool     | skip nothing | skip: middleware calls next, handler returns echo.ErrNotFound (404) |
//	| Factory     | wscore.ServerProtocolFactory| —       | makes each connection's protocol (required unless Server) |
//	| Options     | wscore.Options              | zero    | the route's options; ignored with Server           |
//	| Server      | *wscore.Server              | nil     | serve this engine instead of building one          |
//	| ContextKeys | []string                    | none    | c.Get keys copied into ConnectionRequest.Values    |
//
// Upgraded connections are served on goroutines of their own; call the
// route's Server().Shutdown alongside echo's Shutdown.
package wsecho
