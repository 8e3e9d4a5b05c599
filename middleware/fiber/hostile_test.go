package wsfiber_test

import (
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/wsplug/wsplug/internal/adaptertest"
	wsfiber "github.com/wsplug/wsplug/middleware/fiber"
	"github.com/wsplug/wsplug/wscore"
)

// hostileSetup configures fiber as README's "Security and limits" tells fiber
// users to: fiber.Config{ReadTimeout} set to the route's OpenHandshakeTimeout
// (fiber's default is no timeout), which bounds the request head.
var hostileSetup = adaptertest.Setup{
	Name: "fiber",
	Start: func(t testing.TB, factory wscore.ServerProtocolFactory, routes []adaptertest.Route) (string, map[string]*wscore.Server) {
		timeout := routes[0].Options.OpenHandshakeTimeout
		if timeout == 0 {
			timeout = wscore.DefaultOpenHandshakeTimeout
		}
		app := fiber.New(fiber.Config{DisableStartupMessage: true, ReadTimeout: max(timeout, 0)})
		engines := map[string]*wscore.Server{}
		for _, route := range routes {
			rt, err := wsfiber.NewRoute(wsfiber.Config{Factory: factory, Options: route.Options})
			if err != nil {
				t.Fatal(err)
			}
			engines[route.Path] = rt.Server()
			app.Get(route.Path, rt.Handler())
		}
		return serve(t, app), engines
	},
}

func TestHostile(t *testing.T) { adaptertest.RunHostile(t, hostileSetup) }
