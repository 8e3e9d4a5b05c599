// Command fiber-contrib is the gofiber/contrib websocket echo: a fiber app
// with websocket.New and the ReadMessage/WriteMessage loop of its README.
// With -deflate it sets EnableCompression (no context takeover).
package main

import (
	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"

	"github.com/wsplug/wsplug/bench/servers/internal/serve"
)

func main() {
	f := serve.Parse()
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/", websocket.New(func(c *websocket.Conn) {
		for {
			mt, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(mt, msg); err != nil {
				return
			}
		}
	}, websocket.Config{EnableCompression: f.Deflate}))
	serve.Fatal(app.Listener(serve.Listen(f.Addr)))
}
