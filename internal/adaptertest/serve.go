package adaptertest

import (
	"net"
	"net/http"
	"sync"
	"testing"

	"github.com/wsplug/wsplug/wscore"
)

// ServeHTTP runs hs on a loopback listener (wrapped by wrap, when given) until
// the test ends, and returns its base URL, http://127.0.0.1:port.
func ServeHTTP(t testing.TB, hs *http.Server, wrap func(net.Listener) net.Listener) string {
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

// HTTPServerSetup is the Setup of a framework whose router is an
// http.Handler, served the way README's "Security and limits" tells its users
// to: mount puts the routes on a fresh router, and newServer
// (wshttp.NewHTTPServer, passed in as this package cannot import it) makes
// the http.Server for it from the first route's options, so the request head
// is bounded by that route's OpenHandshakeTimeout.
func HTTPServerSetup(
	name string,
	mount func(testing.TB, wscore.ServerProtocolFactory, []Route) (http.Handler, map[string]*wscore.Server),
	newServer func(http.Handler, wscore.Options) *http.Server,
) Setup {
	return Setup{
		Name: name,
		Start: func(t testing.TB, factory wscore.ServerProtocolFactory, routes []Route) (string, map[string]*wscore.Server) {
			h, engines := mount(t, factory, routes)
			return ServeHTTP(t, newServer(h, routes[0].Options), nil), engines
		},
	}
}
