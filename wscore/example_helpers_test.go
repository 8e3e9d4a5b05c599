package wscore_test

import (
	"net/http"
	"strings"
	"time"

	"github.com/wsplug/wsplug/wscore"
)

// upgrader serves srv on every path of a net/http server.
func upgrader(srv *wscore.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { srv.Upgrade(w, r) })
}

// wsURL turns an httptest URL into its ws:// twin.
func wsURL(httpURL string) string { return "ws" + strings.TrimPrefix(httpURL, "http") }

// waitOpen waits until srv has n open connections: a client's Dial returns
// when the 101 arrives, a moment before the server counts the connection.
func waitOpen(srv *wscore.Server, n int) {
	for deadline := time.Now().Add(5 * time.Second); srv.Stats().Open < n && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
}
