package wsfiber_test

import (
	"github.com/gofiber/fiber/v2"

	wsfiber "github.com/wsplug/wsplug/middleware/fiber"
	"github.com/wsplug/wsplug/wscore"
)

type Echo struct{ wscore.BaseServerProtocol }

func (Echo) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	c.SendMessage(payload, isBinary)
}

func ExampleNew() {
	app := fiber.New()
	app.Use("/ws", func(c *fiber.Ctx) error {
		c.Locals("user", "alice") // reaches OnConnect as Values["user"]
		return c.Next()
	})
	app.Get("/ws/:room", wsfiber.New(wsfiber.Config{
		Factory: func() wscore.ServerProtocol { return Echo{} },
		Options: wscore.Options{AllowedOrigins: []string{"https://*.example.com:*"}},
	}))
}

func ExampleIsWebSocketUpgrade() {
	app := fiber.New()
	app.Use("/live", func(c *fiber.Ctx) error {
		if !wsfiber.IsWebSocketUpgrade(c) {
			return fiber.ErrUpgradeRequired
		}
		return c.Next()
	})
}
