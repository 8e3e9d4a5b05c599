// Package wshttp serves wsplug WebSocket routes on net/http.
//
// A route is one *wscore.Server (a protocol factory and its Options). In
// handler form it answers every request to its path: an upgrade goes through
// the engine's checks in DESIGN order (method, tokens and key: 400; version:
// 426; origin: 403; MaxConnections: 503; OnConnect) to 101, a plain GET gets
// the status page (JSON when Accept prefers application/json), or 426 when the
// route's Options.DisableWebStatus is set. In middleware form, every request
// that is not an upgrade goes to the next handler untouched.
//
// # Signatures
//
//	func Handler(factory wscore.ServerProtocolFactory, opts wscore.Options) (*Route, error)
//	func MustHandler(factory wscore.ServerProtocolFactory, opts wscore.Options) *Route
//	func New(s *wscore.Server) *Route
//	func (rt *Route) ServeHTTP(w http.ResponseWriter, r *http.Request)  // handler form
//	func (rt *Route) Middleware(next http.Handler) http.Handler       // middleware form
//	func (rt *Route) Server() *wscore.Server                          // Shutdown, Stats
//	func StatusHandler(s *wscore.Server, route string) http.Handler
//	func NewHTTPServer(h http.Handler, opts wscore.Options) *http.Server
//	const DefaultIdleTimeout = 120 * time.Second  // NewHTTPServer's IdleTimeout
//	const DefaultMaxHeaderBytes = 64 << 10        // NewHTTPServer's MaxHeaderBytes
//	func Listen(addr string, opts wscore.Options) (net.Listener, error)
//	func ListenAndServe(addr string, factory wscore.ServerProtocolFactory, opts wscore.Options) error
//	func FlashPolicyListener(ln net.Listener, policy string, timeout time.Duration) net.Listener
//
// # Configuration
//
// Everything is a field of wscore.Options, per route; wshttp adds none.
//
//	| Option                 | Effect here                                                  |
//	|------------------------|--------------------------------------------------------------|
//	| DisableWebStatus       | handler form answers a plain GET with 426 instead of the page |
//	| OpenHandshakeTimeout   | NewHTTPServer's ReadHeaderTimeout (default 5 s)               |
//	| ServeFlashSocketPolicy | Listen answers Flash policy requests on the same port        |
//	| FlashSocketPolicy      | the policy sent (default: any domain, this port)             |
//	| Logger                 | NewHTTPServer's ErrorLog (warning level)                     |
//
// ServeMux wildcards of the route's pattern ("/rooms/{room}") reach OnConnect
// as ConnectionRequest.Params. net/http has no request-scoped values to copy.
//
// An upgraded connection is served on a goroutine of its own; http.Server's
// Shutdown does not know it, so call the route's Server().Shutdown too.
package wshttp
