package status_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/wsplug/wsplug/status"
	"github.com/wsplug/wsplug/wscore"
)

// A route in middleware form answers only upgrades; its status page is
// mounted on a URL of its own, and its console connects to the route.
func ExampleHandler() {
	srv := wscore.MustNewServer(func() wscore.ServerProtocol { return wscore.BaseServerProtocol{} }, wscore.Options{})
	mux := http.NewServeMux()
	mux.Handle("/ws/status", status.Handler(srv, "/ws"))

	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/ws/status", nil)
	req.Header.Set("Accept", "application/json")
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	// Output: 200 application/json
}

// An adapter answers a plain request on a WebSocket route with Respond: the
// page for a browser, JSON for a monitor, 426 for other methods.
func ExampleRespond() {
	srv := wscore.MustNewServer(func() wscore.ServerProtocol { return wscore.BaseServerProtocol{} }, wscore.Options{})
	for _, r := range []status.Request{
		{Method: "GET", Accept: "text/html,application/xhtml+xml", Route: "/ws"},
		{Method: "GET", Accept: "application/json", Route: "/ws"},
		{Method: "POST", Route: "/ws"},
	} {
		resp := status.Respond(srv, r)
		fmt.Println(resp.Status, resp.Header.Get("Content-Type"))
	}
	// Output:
	// 200 text/html; charset=utf-8
	// 200 application/json
	// 426 text/plain; charset=utf-8
}

// Collect is the JSON variant's content, for monitoring from Go.
func ExampleCollect() {
	srv := wscore.MustNewServer(func() wscore.ServerProtocol { return wscore.BaseServerProtocol{} }, wscore.Options{
		Server:                      "chat",
		MaxConnections:              500,
		PerMessageCompressionAccept: wscore.DefaultDeflateAccept,
	})
	snap := status.Collect(srv, "/chat")
	fmt.Println(snap.Server, snap.Route, snap.Open, snap.Options.MaxConnections, snap.Options.Compression)
	// Output: chat /chat 0 500 true
}
