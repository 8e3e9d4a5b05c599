package wsfiber_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"

	"github.com/gofiber/fiber/v2"

	wsfiber "github.com/wsplug/wsplug/middleware/fiber"
	"github.com/wsplug/wsplug/wscore"
)

type Echo struct{ wscore.BaseServerProtocol }

func (Echo) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	c.SendMessage(payload, isBinary)
}

// The handler form on a route: upgrades become WebSocket connections (with
// the route's params and the Locals set before it), a plain GET gets the
// route's status page (here its JSON variant).
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

	req := httptest.NewRequest("GET", "/ws/42", nil)
	req.Header.Set("Accept", "application/json")
	resp, err := app.Test(req)
	if err != nil {
		panic(err)
	}
	var status struct{ Route string }
	json.NewDecoder(resp.Body).Decode(&status)
	fmt.Println(resp.StatusCode, status.Route)
	// Output: 200 /ws/:room
}

// The middleware form in front of an existing handler: upgrades become
// WebSocket connections, every other request goes on with c.Next().
func ExampleNewMiddleware() {
	app := fiber.New()
	app.Get("/live", wsfiber.NewMiddleware(wsfiber.Config{
		Factory: func() wscore.ServerProtocol { return Echo{} },
	}), func(c *fiber.Ctx) error { return c.SendString("not a WebSocket") })

	resp, err := app.Test(httptest.NewRequest("GET", "/live", nil))
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(string(body))
	// Output: not a WebSocket
}

// IsWebSocketUpgrade tells an upgrade from a plain request, as gofiber's
// contrib websocket package does.
func ExampleIsWebSocketUpgrade() {
	app := fiber.New()
	app.Use("/live", func(c *fiber.Ctx) error {
		if !wsfiber.IsWebSocketUpgrade(c) {
			return fiber.ErrUpgradeRequired
		}
		return c.Next()
	})

	resp, err := app.Test(httptest.NewRequest("GET", "/live", nil))
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.StatusCode)
	// Output: 426
}
