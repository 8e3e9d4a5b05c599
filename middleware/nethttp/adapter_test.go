package wshttp_test

import (
	"net"
	"net/http"
	"sync"
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
		return serve(t, wshttp.NewHTTPServer(mux, wscore.Options{}), nil), engines
	},
}

// serve runs hs on a loopback listener until the test ends.
func serve(t testing.TB, hs *http.Server, wrap func(net.Listener) net.Listener) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if wrap != nil {
		ln = wrap(ln)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		hs.Serve(ln)
	}()
	t.Cleanup(func() {
		hs.Close()
		wg.Wait()
	})
	return "http://" + ln.Addr().String()
}

func TestAdapter(t *testing.T) { adaptertest.Run(t, setup) }

func TestBrowser(t *testing.T) { adaptertest.RunBrowser(t, setup) }
