package wshttp

import (
	"errors"
	"net/http"
	"strings"

	"github.com/wsplug/wsplug/status"
	"github.com/wsplug/wsplug/wscore"
)

// Route serves one WebSocket route on net/http. As an http.Handler it is the
// handler form: upgrades are served, a plain GET gets the status page (or 426
// when the route's DisableWebStatus is set). Its Middleware method is the
// middleware form. It is safe for concurrent use.
type Route struct {
	srv *wscore.Server
}

// Handler builds a wscore.Server from factory and opts (validated: a bad
// option is an error here) and returns its route handler. Reach the server
// with Server, to shut it down or read its stats.
func Handler(factory wscore.ServerProtocolFactory, opts wscore.Options) (*Route, error) {
	s, err := wscore.NewServer(factory, opts)
	if err != nil {
		return nil, err
	}
	return New(s), nil
}

// MustHandler is Handler that panics on a bad configuration, for set-up code.
func MustHandler(factory wscore.ServerProtocolFactory, opts wscore.Options) *Route {
	rt, err := Handler(factory, opts)
	if err != nil {
		panic(err)
	}
	return rt
}

// New serves an existing server. One server is one route: mount it once.
func New(s *wscore.Server) *Route {
	if s == nil {
		panic("wshttp: New: nil *wscore.Server")
	}
	return &Route{srv: s}
}

// Server is the route's engine: Shutdown it with the HTTP server, read Stats.
func (rt *Route) Server() *wscore.Server { return rt.srv }

// ServeHTTP serves the route in handler form.
func (rt *Route) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt.serve(w, r, nil)
}

// Middleware is the middleware form, func(next http.Handler) http.Handler:
// WebSocket upgrades are served, every other request goes to next untouched.
// Mount the status page yourself with StatusHandler if you want it.
func (rt *Route) Middleware(next http.Handler) http.Handler {
	if next == nil {
		panic("wshttp: Middleware: nil next handler")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt.serve(w, r, next)
	})
}

func (rt *Route) serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
	if !wscore.IsUpgradeRequest(r.Header) {
		if next != nil {
			next.ServeHTTP(w, r)
			return
		}
		status.Respond(rt.srv, status.Request{
			Method: r.Method,
			Accept: status.AcceptHeader(r.Header),
			Route:  routeOf(r),
		}).Write(w)
		return
	}
	req := wscore.RequestFromHTTP(r)
	req.Params = pathParams(r)
	h, err := rt.srv.Prepare(req)
	if err != nil {
		var herr *wscore.HTTPError
		if errors.As(err, &herr) {
			wscore.WriteHTTPError(w, herr)
			return
		}
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	if err := h.Hijack(w); err != nil {
		http.Error(w, "websocket: the connection cannot be taken over", http.StatusInternalServerError)
	}
}

// pathParams copies the ServeMux wildcards of the request ("/rooms/{room}").
func pathParams(r *http.Request) map[string]string {
	var params map[string]string
	for _, seg := range strings.Split(r.Pattern, "/") {
		if len(seg) < 3 || seg[0] != '{' || seg[len(seg)-1] != '}' {
			continue
		}
		name := strings.TrimSuffix(seg[1:len(seg)-1], "...")
		if name == "$" || name == "" {
			continue
		}
		if params == nil {
			params = map[string]string{}
		}
		params[name] = r.PathValue(name)
	}
	return params
}

// StatusHandler serves the status page of s on a URL of its own, for a route
// in middleware form; route is the WebSocket route's path, which the page
// shows and its console connects to.
func StatusHandler(s *wscore.Server, route string) http.Handler {
	return status.Handler(s, route)
}

// routeOf is the route the status page names: the ServeMux pattern without
// its method, host and "{$}" end anchor ("GET /{$}" is the route "/"), or
// the request path.
func routeOf(r *http.Request) string {
	if p := r.Pattern; p != "" {
		if _, after, ok := strings.Cut(p, " "); ok {
			p = strings.TrimLeft(after, " \t")
		}
		if i := strings.IndexByte(p, '/'); i >= 0 {
			return strings.TrimSuffix(p[i:], "{$}")
		}
	}
	return r.URL.Path
}
