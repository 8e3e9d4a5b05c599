package wsecho_test

import (
	"net"
	"net/http"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/wsplug/wsplug/internal/adaptertest"
	wsecho "github.com/wsplug/wsplug/middleware/echo"
	wshttp "github.com/wsplug/wsplug/middleware/nethttp"
	"github.com/wsplug/wsplug/wscore"
)

// hostileSetup serves an echo instance as README's "Security and limits"
// tells echo users to: with wshttp.NewHTTPServer(e, opts), which bounds the
// request head by OpenHandshakeTimeout (e.Start has no timeout).
var hostileSetup = adaptertest.Setup{
	Name: "echo",
	Start: func(t testing.TB, factory wscore.ServerProtocolFactory, routes []adaptertest.Route) (string, map[string]*wscore.Server) {
		e := echo.New()
		e.HideBanner, e.HidePort = true, true
		engines := map[string]*wscore.Server{}
		for _, route := range routes {
			rt, err := wsecho.NewRoute(wsecho.Config{Factory: factory, Options: route.Options})
			if err != nil {
				t.Fatal(err)
			}
			engines[route.Path] = rt.Server()
			e.GET(route.Path, rt.Handler())
		}
		return serveServer(t, wshttp.NewHTTPServer(e, routes[0].Options)), engines
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
