package wshttp_test

import (
	"net/http"
	"testing"

	"github.com/wsplug/wsplug/internal/adaptertest"
	wshttp "github.com/wsplug/wsplug/middleware/nethttp"
	"github.com/wsplug/wsplug/wscore"
)

// setup mounts routes on a net/http ServeMux behind NewHTTPServer.
var setup = adaptertest.Setup{
	Name:     "nethttp",
	NoValues: true,
	Start: func(t testing.TB, factory wscore.ServerProtocolFactory, routes []adaptertest.Route) (string, map[string]*wscore.Server) {
		mux, engines := mount(t, factory, routes)
		return serve(t, wshttp.NewHTTPServer(mux, wscore.Options{}), nil), engines
	},
}

// mount puts routes on a fresh ServeMux.
func mount(t testing.TB, factory wscore.ServerProtocolFactory, routes []adaptertest.Route) (http.Handler, map[string]*wscore.Server) {
	mux := http.NewServeMux()
	engines := map[string]*wscore.Server{}
	for _, r := range routes {
		rt, err := wshttp.Handler(factory, r.Options)
		if err != nil {
			t.Fatal(err)
		}
		engines[r.Path] = rt.Server()
		pattern := adaptertest.Pattern(r.Path, "{%s}")
		if r.Middleware {
			next := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				w.Write([]byte(adaptertest.NextBody(req.URL.Path)))
			})
			mux.Handle(pattern, rt.Middleware(next))
		} else {
			mux.Handle(pattern, rt)
		}
	}
	return mux, engines
}

// serve runs hs on a loopback listener until the test ends.
var serve = adaptertest.ServeHTTP

func TestAdapter(t *testing.T) { adaptertest.Run(t, setup) }

func TestBrowser(t *testing.T) { adaptertest.RunBrowser(t, setup) }
