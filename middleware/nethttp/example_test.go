package wshttp_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

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

// Serve one protocol on a whole port, as Autobahn's listenWS does.
func ExampleListenAndServe() {
	if false { // blocks: not run as part of the example
		log.Fatal(wshttp.ListenAndServe("127.0.0.1:9000", func() wscore.ServerProtocol { return Echo{} }, wscore.Options{}))
	}
}
