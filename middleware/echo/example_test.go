package wsecho_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/labstack/echo/v4"

	wsecho "github.com/wsplug/wsplug/middleware/echo"
	"github.com/wsplug/wsplug/wscore"
)

type Echo struct{ wscore.BaseServerProtocol }

func (Echo) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	c.SendMessage(payload, isBinary)
}

// The handler form on a route: upgrades become WebSocket connections, a
// plain GET gets the route's status page (here its JSON variant).
func ExampleHandler() {
	e := echo.New()
	e.GET("/ws", wsecho.Handler(func() wscore.ServerProtocol { return Echo{} }, wscore.Options{
		AllowedOrigins: []string{"https://*.example.com:*"},
	}))

	req := httptest.NewRequest("GET", "/ws", nil)
	req.Header.Set("Accept", "application/json")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	var status struct{ Route string }
	json.Unmarshal(rec.Body.Bytes(), &status)
	fmt.Println(rec.Code, status.Route)
	// Output: 200 /ws
}

// The middleware form on a group: upgrades become WebSocket connections,
// every other request reaches the group's handlers. Values the group's
// middleware sets reach OnConnect when named in ContextKeys.
func ExampleMiddlewareWithConfig() {
	e := echo.New()
	g := e.Group("/live", func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error { c.Set("user", "alice"); return next(c) }
	})
	g.Use(wsecho.MiddlewareWithConfig(wsecho.Config{
		Factory:     func() wscore.ServerProtocol { return Echo{} },
		ContextKeys: []string{"user"}, // reaches OnConnect as Values["user"]
	}))
	g.GET("", func(c echo.Context) error { return c.String(http.StatusOK, "not a WebSocket") })

	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest("GET", "/live", nil))
	fmt.Println(rec.Body.String())
	// Output: not a WebSocket
}

// A refused handshake is returned as an *echo.HTTPError, so the app's
// HTTPErrorHandler renders it; here a foreign origin gets 403.
func ExampleNewRoute() {
	rt, err := wsecho.NewRoute(wsecho.Config{Factory: func() wscore.ServerProtocol { return Echo{} }})
	if err != nil {
		panic(err)
	}
	e := echo.New()
	e.GET("/ws", rt.Handler())

	req := httptest.NewRequest("GET", "http://app.example.com/ws", nil)
	req.Header = http.Header{
		"Upgrade": {"websocket"}, "Connection": {"Upgrade"}, "Origin": {"https://evil.example"},
		"Sec-Websocket-Version": {"13"}, "Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="},
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rt.Server().Stats().Refused)
	// Output: 403 map[forbidden_origin:1]
}

// A route in middleware form answers only upgrades; Status mounts its status
// page on a URL of its own, whose console connects to the route. The engine
// is built first (Config.Server), so the app keeps it for Shutdown.
func ExampleStatus() {
	srv := wscore.MustNewServer(func() wscore.ServerProtocol { return Echo{} }, wscore.Options{MaxConnections: 50})
	e := echo.New()
	e.GET("/ws", func(c echo.Context) error { return echo.ErrNotFound },
		wsecho.MiddlewareWithConfig(wsecho.Config{Server: srv}))
	e.GET("/ws/status", wsecho.Status(srv, "/ws"))

	req := httptest.NewRequest("GET", "/ws/status", nil)
	req.Header.Set("Accept", "application/json")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	var status struct {
		Route   string
		Options struct {
			MaxConnections int `json:"max_connections"`
		}
	}
	json.Unmarshal(rec.Body.Bytes(), &status)
	fmt.Println(rec.Code, status.Route, status.Options.MaxConnections)
	// Output: 200 /ws 50
}
