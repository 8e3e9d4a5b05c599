package wsgin_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wsplug/wsplug/internal/adaptertest"
	wsgin "github.com/wsplug/wsplug/middleware/gin"
	"github.com/wsplug/wsplug/wscore"
)

func init() { gin.SetMode(gin.TestMode) }

// setup mounts routes on a gin engine.
var setup = adaptertest.Setup{
	Name: "gin",
	Start: func(t testing.TB, factory wscore.ServerProtocolFactory, routes []adaptertest.Route) (string, map[string]*wscore.Server) {
		r, engines := mount(t, factory, routes)
		return serve(t, r), engines
	},
}

// mount puts routes on a fresh gin engine.
func mount(t testing.TB, factory wscore.ServerProtocolFactory, routes []adaptertest.Route) (http.Handler, map[string]*wscore.Server) {
	r := gin.New()
	engines := map[string]*wscore.Server{}
	for _, route := range routes {
		rt, err := wsgin.NewRoute(wsgin.Config{Factory: factory, Options: route.Options})
		if err != nil {
			t.Fatal(err)
		}
		engines[route.Path] = rt.Server()
		var chain []gin.HandlerFunc
		if len(route.Values) > 0 {
			vals := route.Values
			chain = append(chain, func(c *gin.Context) {
				for k, v := range vals {
					c.Set(k, v)
				}
			})
		}
		if route.Middleware {
			chain = append(chain, rt.Middleware(), func(c *gin.Context) {
				c.String(http.StatusOK, adaptertest.NextBody(c.Request.URL.Path))
			})
		} else {
			chain = append(chain, rt.Handler())
		}
		r.GET(route.Path, chain...)
	}
	return r, engines
}

func serve(t testing.TB, h http.Handler) string {
	return adaptertest.ServeHTTP(t, &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}, nil)
}

func TestAdapter(t *testing.T) { adaptertest.Run(t, setup) }

func TestBrowser(t *testing.T) { adaptertest.RunBrowser(t, setup) }
