package wsfiber_test

import (
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
		timeout := routes[0].Options.OpenHandshakeTimeout
		if timeout == 0 {
			timeout = wscore.DefaultOpenHandshakeTimeout
		}
		app, engines := mount(t, fiber.Config{DisableStartupMessage: true, ReadTimeout: max(timeout, 0)}, factory, routes)
		return serve(t, app), engines
	},
}

func TestHostile(t *testing.T) { adaptertest.RunHostile(t, hostileSetup) }
