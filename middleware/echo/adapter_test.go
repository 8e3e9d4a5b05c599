package wsecho_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/wsplug/wsplug/internal/adaptertest"
	wsecho "github.com/wsplug/wsplug/middleware/echo"
	"github.com/wsplug/wsplug/wscore"
)

// setup mounts routes on an echo instance.
var setup = adaptertest.Setup{
	Name: "echo",
	Start: func(t testing.TB, factory wscore.ServerProtocolFactory, routes []adaptertest.Route) (string, map[string]*wscore.Server) {
		e, engines := mount(t, factory, routes)
		return serve(t, e), engines
	},
}

// mount puts routes on a fresh echo instance.
func mount(t testing.TB, factory wscore.ServerProtocolFactory, routes []adaptertest.Route) (http.Handler, map[string]*wscore.Server) {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	engines := map[string]*wscore.Server{}
	for _, route := range routes {
		var keys []string
		for k := range route.Values {
			keys = append(keys, k)
		}
		rt, err := wsecho.NewRoute(wsecho.Config{Factory: factory, Options: route.Options, ContextKeys: keys})
		if err != nil {
			t.Fatal(err)
		}
		engines[route.Path] = rt.Server()
		var mws []echo.MiddlewareFunc
		if len(route.Values) > 0 {
			vals := route.Values
			mws = append(mws, func(next echo.HandlerFunc) echo.HandlerFunc {
				return func(c echo.Context) error {
					for k, v := range vals {
						c.Set(k, v)
					}
					return next(c)
				}
			})
		}
		if route.Middleware {
			mws = append(mws, rt.Middleware())
			e.GET(route.Path, func(c echo.Context) error {
				return c.String(http.StatusOK, adaptertest.NextBody(c.Request().URL.Path))
			}, mws...)
		} else {
			e.GET(route.Path, rt.Handler(), mws...)
		}
	}
	return e, engines
}

func serve(t testing.TB, h http.Handler) string {
	return adaptertest.ServeHTTP(t, &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}, nil)
}

func TestAdapter(t *testing.T) { adaptertest.Run(t, setup) }

func TestBrowser(t *testing.T) { adaptertest.RunBrowser(t, setup) }
