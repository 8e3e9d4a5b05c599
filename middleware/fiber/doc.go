// Package wsfiber serves wsplug WebSocket routes on fiber v2, through
// fasthttp's connection hijack.
//
// A route is one *wscore.Server. The handler form answers its path: an
// upgrade goes through the engine's checks (400, 426, 403, 503, OnConnect) to
// 101; a plain GET gets the status page (JSON when Accept prefers it), or 426
// with Options.DisableWebStatus. The middleware form passes every request that
// is not an upgrade on with c.Next(). A refused handshake is returned as
// *fiber.Error (status and reason), so the app's ErrorHandler renders it.
//
// fasthttp reuses its request context once the handler returns, so the
// adapter copies everything the connection may use first: method, URI,
// headers (canonical keys), remote address (the TCP peer; X-Forwarded-For is
// the engine's business, per Options.TrustXForwardedFor), TLS, route
// parameters (ConnectionRequest.Params) and Locals with string keys
// (ConnectionRequest.Values; string and []byte values are cloned, as they may
// alias fasthttp's buffers). The engine then gets the socket itself and the
// bytes fasthttp had already read, and the connection runs in fasthttp's
// hijack goroutine, which ends with it.
//
// # Signatures
//
//	var ConfigDefault = Config{}
//	func New(config ...Config) fiber.Handler            // handler form; panics on a bad Config
//	func NewMiddleware(config ...Config) fiber.Handler  // middleware form; panics on a bad Config
//	func NewRoute(cfg Config) (*Route, error)           // the error-returning form
//	func (rt *Route) Handler() fiber.Handler
//	func (rt *Route) Middleware() fiber.Handler
//	func (rt *Route) Server() *wscore.Server            // Shutdown, Stats
//	func IsWebSocketUpgrade(c *fiber.Ctx) bool
//	func Status(s *wscore.Server, route string) fiber.Handler
//
// # Config
//
//	| Field   | Type                         | Default | Meaning                                        |
//	|---------|------------------------------|---------|------------------------------------------------|
//	| Next    | func(*fiber.Ctx) bool        | nil     | skip the route when true (c.Next())            |
//	| Factory | wscore.ServerProtocolFactory | —       | makes each connection's protocol (required unless Server) |
//	| Options | wscore.Options               | zero    | the route's options; ignored with Server       |
//	| Server  | *wscore.Server               | nil     | serve this engine (keep it for Shutdown, Stats) |
//
// # The engine
//
// fiber's Shutdown does not wait for hijacked connections: keep the route's
// *wscore.Server and call its Shutdown too (its Stats are the status page's
// counters). With New and NewMiddleware, build it yourself and pass it as
// Config.Server:
//
//	srv := wscore.MustNewServer(newEcho, wscore.Options{})
//	app.Get("/ws", wsfiber.New(wsfiber.Config{Server: srv}))
//	defer srv.Shutdown(ctx)
//
// NewRoute does the same with an error instead of a panic: rt.Server().
package wsfiber
