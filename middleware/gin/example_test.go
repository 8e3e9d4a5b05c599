package wsgin_test

import (
	"context"
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

// The middleware form on a route group, as an existing app adds it: upgrades
// under the group become WebSocket connections, every other request goes on
// to the group's handlers. The engine is built first and passed as
// Config.Server, so the app can read its Stats and Shutdown its connections.
func ExampleNewMiddleware() {
	srv := wscore.MustNewServer(func() wscore.ServerProtocol { return Echo{} }, wscore.Options{})
	defer srv.Shutdown(context.Background()) // with the HTTP server's shutdown

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	live := r.Group("/live")
	live.Use(wsgin.NewMiddleware(wsgin.Config{Server: srv}))
	live.GET("/feed", func(c *gin.Context) { c.String(http.StatusOK, "not a WebSocket") })

	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/live/feed", nil))
	fmt.Println(rec.Body.String(), srv.Stats().Open)
	// Output: not a WebSocket 0
}

// A route in middleware form answers only upgrades; Status mounts its status
// page on a URL of its own, whose console connects to the route.
func ExampleStatus() {
	srv := wscore.MustNewServer(func() wscore.ServerProtocol { return Echo{} }, wscore.Options{MaxConnections: 50})
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/ws", wsgin.NewMiddleware(wsgin.Config{Server: srv}), func(c *gin.Context) { c.String(http.StatusNotFound, "upgrade here") })
	r.GET("/ws/status", wsgin.Status(srv, "/ws"))

	req := httptest.NewRequest("GET", "/ws/status", nil)
	req.Header.Set("Accept", "application/json")
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
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
