package wsgin_test

import (
	"github.com/gin-gonic/gin"

	wsgin "github.com/wsplug/wsplug/middleware/gin"
	"github.com/wsplug/wsplug/wscore"
)

type Echo struct{ wscore.BaseServerProtocol }

func (Echo) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	c.SendMessage(payload, isBinary)
}

func ExampleNew() {
	r := gin.New()
	cfg := wsgin.DefaultConfig()
	cfg.Factory = func() wscore.ServerProtocol { return Echo{} }
	cfg.Options.AllowedOrigins = []string{"https://*.example.com:*"}
	r.GET("/ws/:room", wsgin.New(cfg)) // c.Param("room") reaches OnConnect as Params["room"]
}

// Keep the route to shut its connections down with the HTTP server.
func ExampleNewRoute() {
	rt, err := wsgin.NewRoute(wsgin.Config{
		Factory: func() wscore.ServerProtocol { return Echo{} },
		Options: wscore.Options{MaxConnections: 100},
	})
	if err != nil {
		panic(err)
	}
	r := gin.New()
	api := r.Group("/api")
	api.GET("/live", rt.Middleware(), func(c *gin.Context) { c.String(200, "not a WebSocket") })
	r.GET("/api/live/status", wsgin.Status(rt.Server(), "/api/live"))
	_ = rt.Server().Shutdown // call with a context when the app stops
}
