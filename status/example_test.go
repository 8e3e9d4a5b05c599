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
