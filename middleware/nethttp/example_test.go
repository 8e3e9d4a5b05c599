package wshttp_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gorilla/websocket"

	wshttp "github.com/wsplug/wsplug/middleware/nethttp"
	"github.com/wsplug/wsplug/wscore"
)

type Echo struct{ wscore.BaseServerProtocol }

func (Echo) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	c.SendMessage(payload, isBinary)
}

// Two routes with their own options on one ServeMux: the handler form serves
// the WebSocket and, to a plain GET, its status page.
func ExampleHandler() {
	mux := http.NewServeMux()
	public := wshttp.MustHandler(func() wscore.ServerProtocol { return Echo{} }, wscore.Options{
		AllowedOrigins: []string{"https://*.example.com:*"},
		MaxConnections: 1000,
	})
	mux.Handle("/ws", public)
	internal := wshttp.MustHandler(func() wscore.ServerProtocol { return Echo{} }, wscore.Options{DisableWebStatus: true})
	mux.Handle("/internal/ws", internal)

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/internal/ws", nil))
	fmt.Println(rec.Code) // no status page there
	// Output: 426
}

// The middleware form in front of an existing handler: upgrades go to the
// WebSocket route, everything else to the app.
func ExampleRoute_Middleware() {
	rt := wshttp.MustHandler(func() wscore.ServerProtocol { return Echo{} }, wscore.Options{})
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "the app") })
	h := rt.Middleware(app)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Println(rec.Body.String())
	// Output: the app
}

// Serve one protocol on a whole port, as Autobahn's listenWS does: every
// path is the WebSocket route, and a browser's plain GET gets its status
// page. In a main package:
//
//	log.Fatal(wshttp.ListenAndServe("127.0.0.1:9000", newEcho, wscore.Options{}))
//
// It returns only when it cannot serve; a bad option fails before the port
// is opened, with the field and the allowed range.
func ExampleListenAndServe() {
	newEcho := func() wscore.ServerProtocol { return Echo{} }
	err := wshttp.ListenAndServe("127.0.0.1:9000", newEcho, wscore.Options{AutoPingSize: 200})
	var oe *wscore.OptionError
	fmt.Println(errors.As(err, &oe), oe.Field)
	fmt.Println(err)
	// Output:
	// true AutoPingSize
	// wscore: Options.AutoPingSize: 200: allowed 4 to 125 (0 for the default, 4)
}

// NewHTTPServer is an http.Server with timeouts fit for a WebSocket server:
// the request head must arrive within the route's OpenHandshakeTimeout.
func ExampleNewHTTPServer() {
	rt := wshttp.MustHandler(func() wscore.ServerProtocol { return Echo{} }, wscore.Options{})
	hs := wshttp.NewHTTPServer(rt, wscore.Options{})
	fmt.Println(hs.ReadHeaderTimeout, hs.IdleTimeout, hs.MaxHeaderBytes)
	// Output: 5s 2m0s 65536
}

// A route in middleware form has no status page of its own: mount one on a
// URL of its own; its console connects to the route.
func ExampleStatusHandler() {
	rt := wshttp.MustHandler(func() wscore.ServerProtocol { return Echo{} }, wscore.Options{})
	mux := http.NewServeMux()
	mux.Handle("/live", rt.Middleware(http.NotFoundHandler()))
	mux.Handle("/live/status", wshttp.StatusHandler(rt.Server(), "/live"))

	req := httptest.NewRequest("GET", "/live/status", nil)
	req.Header.Set("Accept", "application/json")
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code, strings.Contains(rec.Body.String(), `"route":"/live"`))
	// Output: 200 true
}

// A real round trip through the handler form, with any WebSocket client.
func ExampleRoute_ServeHTTP() {
	rt := wshttp.MustHandler(func() wscore.ServerProtocol { return Echo{} }, wscore.Options{})
	ts := httptest.NewServer(rt)
	defer ts.Close()
	defer rt.Server().Shutdown(context.Background())

	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	c.WriteMessage(websocket.TextMessage, []byte("hello"))
	_, msg, _ := c.ReadMessage()
	fmt.Println(string(msg))
	// Output: hello
}
