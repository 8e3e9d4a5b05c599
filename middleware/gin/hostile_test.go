package wsgin_test

import (
	"testing"

	"github.com/wsplug/wsplug/internal/adaptertest"
	wshttp "github.com/wsplug/wsplug/middleware/nethttp"
	"github.com/wsplug/wsplug/wscore"
)

// hostileSetup serves a gin engine as README's "Security and limits" tells
// gin users to: with wshttp.NewHTTPServer(r, opts), which bounds the request
// head by OpenHandshakeTimeout (r.Run has no timeout).
var hostileSetup = adaptertest.Setup{
	Name: "gin",
	Start: func(t testing.TB, factory wscore.ServerProtocolFactory, routes []adaptertest.Route) (string, map[string]*wscore.Server) {
		r, engines := mount(t, factory, routes)
		return adaptertest.ServeHTTP(t, wshttp.NewHTTPServer(r, routes[0].Options), nil), engines
	},
}

func TestHostile(t *testing.T) { adaptertest.RunHostile(t, hostileSetup) }
