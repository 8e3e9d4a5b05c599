package wsecho_test

import (
	"net/http"

	"github.com/labstack/echo/v4"

	wsecho "github.com/wsplug/wsplug/middleware/echo"
	"github.com/wsplug/wsplug/wscore"
)

type Echo struct{ wscore.BaseServerProtocol }

func (Echo) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	c.SendMessage(payload, isBinary)
}

func ExampleHandler() {
	e := echo.New()
	e.GET("/ws", wsecho.Handler(func() wscore.ServerProtocol { return Echo{} }, wscore.Options{
		AllowedOrigins: []string{"https://*.example.com:*"},
	}))
}

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
}
