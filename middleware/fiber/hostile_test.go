package wsfiber_test

import (
	"cmp"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/wsplug/wsplug/internal/adaptertest"
	"github.com/wsplug/wsplug/wscore"
)

// hostileSetup configures fiber as README's "Security and limits" tells fiber
// users to: fiber.Config{ReadTimeout} set to the route's OpenHandshakeTimeout
// (fiber's default is no timeout), which bounds the request head.
var hostileSetup = adaptertest.Setup{
	Name:             "fiber",
	IgnoreGoroutines: fasthttpGoroutines,
	Start: func(t testing.TB, factory wscore.ServerProtocolFactory, routes []adaptertest.Route) (string, map[string]*wscore.Server) {
		// -1 (no timeout) passes through: fasthttp ignores a ReadTimeout that is
		// not positive.
		cfg := fiber.Config{
			DisableStartupMessage: true,
			ReadTimeout:           cmp.Or(routes[0].Options.OpenHandshakeTimeout, wscore.DefaultOpenHandshakeTimeout),
		}
		app, engines := mount(t, cfg, factory, routes)
		return serve(t, app), engines
	},
}

func TestHostile(t *testing.T) { adaptertest.RunHostile(t, hostileSetup) }
