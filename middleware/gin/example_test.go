package wsgin_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/gin-gonic/gin"

	wsgin "github.com/wsplug/wsplug/middleware/gin"
	"github.com/wsplug/wsplug/wscore"
)

type Echo struct{ wscore.BaseServerProtocol }

func (Echo) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	c.SendMessage(payload, isBinary)
}

// The handler form on a route: upgrades become WebSocket connections, a
// plain GET gets the route's status page (here its JSON variant).
func ExampleNew() {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	cfg := wsgin.DefaultConfig()
	cfg.Factory = func() wscore.ServerProtocol { return Echo{} }
	cfg.Options.AllowedOrigins = []string{"https://*.example.com:*"}
	r.GET("/ws/:room", wsgin.New(cfg)) // c.Param("room") reaches OnConnect as Params["room"]

	req := httptest.NewRequest("GET", "/ws/42", nil)
	req.Header.Set("Accept", "application/json")
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	var status struct {
		Route   string
		Options struct {
			AllowedOrigins []string `json:"allowed_origins"`
		}
	}
	json.Unmarshal(rec.Body.Bytes(), &status)
	fmt.Println(rec.Code, status.Route, status.Options.AllowedOrigins)
	// Output: 200 /ws/:room [https://*.example.com:*]
}

// The middleware form in front of an existing handler: upgrades are
// WebSocket connections, every other request reaches the handler. Keep the
// route to shut its connections down with the HTTP server.
func ExampleNewRoute() {
	rt, err := wsgin.NewRoute(wsgin.Config{
		Factory: func() wscore.ServerProtocol { return Echo{} },
		Options: wscore.Options{MaxConnections: 100},
	})
	if err != nil {
		panic(err)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	api := r.Group("/api")
	api.GET("/live", rt.Middleware(), func(c *gin.Context) { c.String(http.StatusOK, "not a WebSocket") })
	api.GET("/live/status", wsgin.Status(rt.Server(), "/api/live"))
	_ = rt.Server().Shutdown // call with a context when the app stops

	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/api/live", nil))
	fmt.Println(rec.Body.String())
	// Output: not a WebSocket
}
