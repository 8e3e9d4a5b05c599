package wshttp_test

import (
	"testing"

	"github.com/wsplug/wsplug/internal/adaptertest"
	wshttp "github.com/wsplug/wsplug/middleware/nethttp"
	"github.com/wsplug/wsplug/wscore"
)

// hostileSetup serves the routes as README's "Security and limits" tells
// net/http users to: behind wshttp.NewHTTPServer with the route's options,
// so the request head is bounded by OpenHandshakeTimeout.
var hostileSetup = adaptertest.Setup{
	Name:     "nethttp",
	NoValues: true,
	Start: func(t testing.TB, factory wscore.ServerProtocolFactory, routes []adaptertest.Route) (string, map[string]*wscore.Server) {
		mux, engines := mount(t, factory, routes)
		return serve(t, wshttp.NewHTTPServer(mux, routes[0].Options), nil), engines
	},
}

func TestHostile(t *testing.T) { adaptertest.RunHostile(t, hostileSetup) }
