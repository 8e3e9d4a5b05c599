package wshttp_test

import (
	"net/http"
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
		mux := http.NewServeMux()
		engines := map[string]*wscore.Server{}
		for _, r := range routes {
			rt, err := wshttp.Handler(factory, r.Options)
			if err != nil {
				t.Fatal(err)
			}
			engines[r.Path] = rt.Server()
			mux.Handle(adaptertest.Pattern(r.Path, "{%s}"), rt)
		}
		return serve(t, wshttp.NewHTTPServer(mux, routes[0].Options), nil), engines
	},
}

func TestHostile(t *testing.T) { adaptertest.RunHostile(t, hostileSetup) }
