// Command wsplug-fiber is the wsplug echo as a fiber route (fasthttp's
// hijack).
package main

import (
	"github.com/gofiber/fiber/v2"

	"github.com/wsplug/wsplug/bench/servers/internal/serve"
	"github.com/wsplug/wsplug/bench/servers/internal/wsplugecho"
	wsfiber "github.com/wsplug/wsplug/middleware/fiber"
)

func main() {
	f := serve.Parse()
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/", wsfiber.New(wsfiber.Config{Factory: wsplugecho.Factory, Options: wsplugecho.Options(f.Deflate)}))
	serve.Fatal(app.Listener(serve.Listen(f.Addr)))
}
