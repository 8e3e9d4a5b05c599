// Package wsgin serves wsplug WebSocket routes on gin.
//
// A route is one *wscore.Server. In handler form it answers its path: an
// upgrade goes through the engine's checks (400, 426, 403, 503, OnConnect) to
// 101 and the context is aborted; a plain GET gets the status page (JSON when
// Accept prefers it), or 426 with Options.DisableWebStatus. In middleware form
// every request that is not an upgrade goes on with c.Next(). Refusals are
// written with their status and reason and added to c.Errors (private), so
// gin's logger shows them.
//
// gin's c.Params reach OnConnect as ConnectionRequest.Params, and c.Keys with
// string keys (what c.Set stores) as ConnectionRequest.Values.
//
// # Signatures
//
//	func DefaultConfig() Config
//	func New(cfg Config) gin.HandlerFunc            // handler form; panics on a bad Config
//	func NewMiddleware(cfg Config) gin.HandlerFunc  // middleware form; panics on a bad Config
//	func NewRoute(cfg Config) (*Route, error)       // the error-returning form
//	func (rt *Route) Handler() gin.HandlerFunc
//	func (rt *Route) Middleware() gin.HandlerFunc
//	func (rt *Route) Server() *wscore.Server        // Shutdown, Stats
//	func Status(s *wscore.Server, route string) gin.HandlerFunc
//
// # Config
//
//	| Field   | Type                         | Default | Meaning                                       |
//	|---------|------------------------------|---------|-----------------------------------------------|
//	| Factory | wscore.ServerProtocolFactory | —       | makes each connection's protocol (required unless Server) |
//	| Options | wscore.Options               | zero    | the route's options; ignored with Server      |
//	| Server  | *wscore.Server               | nil     | serve this engine (keep it for Shutdown, Stats) |
//
// # The engine
//
// Upgraded connections are served on goroutines of their own, which
// http.Server.Shutdown does not know: keep the route's *wscore.Server and
// call its Shutdown alongside (its Stats are the status page's counters).
// With New and NewMiddleware, build it yourself and pass it as Config.Server:
//
//	srv := wscore.MustNewServer(newEcho, wscore.Options{})
//	r.GET("/ws", wsgin.New(wsgin.Config{Server: srv}))
//	defer srv.Shutdown(ctx)
//
// NewRoute does the same with an error instead of a panic: rt.Server().
package wsgin
