package wsecho_test

import (
	"testing"

	"github.com/wsplug/wsplug/internal/adaptertest"
	wshttp "github.com/wsplug/wsplug/middleware/nethttp"
	"github.com/wsplug/wsplug/wscore"
)

// hostileSetup serves an echo instance as README's "Security and limits"
// tells echo users to: with wshttp.NewHTTPServer(e, opts), which bounds the
// request head by OpenHandshakeTimeout (e.Start has no timeout).
var hostileSetup = adaptertest.Setup{
	Name: "echo",
	Start: func(t testing.TB, factory wscore.ServerProtocolFactory, routes []adaptertest.Route) (string, map[string]*wscore.Server) {
		e, engines := mount(t, factory, routes)
		return adaptertest.ServeHTTP(t, wshttp.NewHTTPServer(e, routes[0].Options), nil), engines
	},
}

func TestHostile(t *testing.T) { adaptertest.RunHostile(t, hostileSetup) }
