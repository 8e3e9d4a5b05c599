package wsgin_test

import (
	"net"
	"net/http"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/wsplug/wsplug/internal/adaptertest"
	wsgin "github.com/wsplug/wsplug/middleware/gin"
	wshttp "github.com/wsplug/wsplug/middleware/nethttp"
	"github.com/wsplug/wsplug/wscore"
)

// hostileSetup serves a gin engine as README's "Security and limits" tells
// gin users to: with wshttp.NewHTTPServer(r, opts), which bounds the request
// head by OpenHandshakeTimeout (r.Run has no timeout).
var hostileSetup = adaptertest.Setup{
	Name: "gin",
	Start: func(t testing.TB, factory wscore.ServerProtocolFactory, routes []adaptertest.Route) (string, map[string]*wscore.Server) {
		r := gin.New()
		engines := map[string]*wscore.Server{}
		for _, route := range routes {
			rt, err := wsgin.NewRoute(wsgin.Config{Factory: factory, Options: route.Options})
			if err != nil {
				t.Fatal(err)
			}
			engines[route.Path] = rt.Server()
			r.GET(route.Path, rt.Handler())
		}
		return serveServer(t, wshttp.NewHTTPServer(r, routes[0].Options)), engines
	},
}

// serveServer runs hs on a loopback listener until the test ends.
func serveServer(t testing.TB, hs *http.Server) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
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

func TestHostile(t *testing.T) { adaptertest.RunHostile(t, hostileSetup) }
