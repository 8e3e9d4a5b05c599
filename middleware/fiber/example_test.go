package wsfiber_test

import (
	"encoding/json"
	"errors"
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

// NewRoute is the error-returning form; the route keeps its engine for
// Stats and Shutdown. A refused handshake is returned as a *fiber.Error, so
// the app's ErrorHandler renders it: here a foreign origin gets 403.
func ExampleNewRoute() {
	if _, err := wsfiber.NewRoute(wsfiber.Config{}); errors.Is(err, wscore.ErrNoFactory) {
		fmt.Println("no factory:", err)
	}
	rt, err := wsfiber.NewRoute(wsfiber.Config{
		Factory: func() wscore.ServerProtocol { return Echo{} },
		Options: wscore.Options{AllowedOrigins: []string{"https://*.example.com:*"}},
	})
	if err != nil {
		panic(err)
	}
	app := fiber.New()
	app.Get("/ws", rt.Handler())

	req := httptest.NewRequest("GET", "/ws", nil)
	for k, v := range map[string]string{
		"Host": "app.example.com", "Upgrade": "websocket", "Connection": "Upgrade", "Origin": "https://evil.example",
		"Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
	} {
		req.Header.Set(k, v)
	}
	resp, err := app.Test(req)
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.StatusCode, rt.Server().Stats().Refused)
	// Output:
	// no factory: wsfiber: NewRoute: no protocol factory (set Config.Factory or Config.Server)
	// 403 map[forbidden_origin:1]
}

// A route in middleware form answers only upgrades; Status mounts its status
// page on a URL of its own, whose console connects to the route.
func ExampleStatus() {
	srv := wscore.MustNewServer(func() wscore.ServerProtocol { return Echo{} }, wscore.Options{MaxConnections: 50})
	app := fiber.New()
	app.Get("/ws", wsfiber.NewMiddleware(wsfiber.Config{Server: srv}), func(c *fiber.Ctx) error { return fiber.ErrNotFound })
	app.Get("/ws/status", wsfiber.Status(srv, "/ws"))

	req := httptest.NewRequest("GET", "/ws/status", nil)
	req.Header.Set("Accept", "application/json")
	resp, err := app.Test(req)
	if err != nil {
		panic(err)
	}
	var status struct {
		Route   string
		Options struct {
			MaxConnections int `json:"max_connections"`
		}
	}
	json.NewDecoder(resp.Body).Decode(&status)
	fmt.Println(resp.StatusCode, status.Route, status.Options.MaxConnections)
	// Output: 200 /ws 50
}
