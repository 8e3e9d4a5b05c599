package wsfiber_test

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wsplug/wsplug/internal/adaptertest"
	wsfiber "github.com/wsplug/wsplug/middleware/fiber"
	"github.com/wsplug/wsplug/wscore"
)

// setup mounts routes on a fiber app.
var setup = adaptertest.Setup{
	Name:             "fiber",
	IgnoreGoroutines: fasthttpGoroutines,
	Start: func(t testing.TB, factory wscore.ServerProtocolFactory, routes []adaptertest.Route) (string, map[string]*wscore.Server) {
		app, engines := mount(t, fiber.Config{DisableStartupMessage: true}, factory, routes)
		return serve(t, app), engines
	},
}

// mount puts routes on a fresh fiber app made with cfg.
func mount(t testing.TB, cfg fiber.Config, factory wscore.ServerProtocolFactory, routes []adaptertest.Route) (*fiber.App, map[string]*wscore.Server) {
	app := fiber.New(cfg)
	engines := map[string]*wscore.Server{}
	for _, route := range routes {
		rt, err := wsfiber.NewRoute(wsfiber.Config{Factory: factory, Options: route.Options})
		if err != nil {
			t.Fatal(err)
		}
		engines[route.Path] = rt.Server()
		var chain []fiber.Handler
		if len(route.Values) > 0 {
			vals := route.Values
			chain = append(chain, func(c *fiber.Ctx) error {
				for k, v := range vals {
					c.Locals(k, v)
				}
				return c.Next()
			})
		}
		if route.Middleware {
			chain = append(chain, rt.Middleware(), func(c *fiber.Ctx) error {
				return c.SendString(adaptertest.NextBody(c.Path()))
			})
		} else {
			chain = append(chain, rt.Handler())
		}
		app.Get(route.Path, chain...)
	}
	return app, engines
}

func serve(t testing.TB, app *fiber.App) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		app.Listener(ln)
	}()
	t.Cleanup(func() {
		if err := app.ShutdownWithTimeout(5 * time.Second); err != nil {
			t.Errorf("fiber shutdown: %v", err)
		}
		wg.Wait()
	})
	return "http://" + ln.Addr().String()
}

func TestAdapter(t *testing.T) { adaptertest.Run(t, setup) }

func TestBrowser(t *testing.T) { adaptertest.RunBrowser(t, setup) }
