package wshttp_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	wshttp "github.com/wsplug/wsplug/middleware/nethttp"
	"github.com/wsplug/wsplug/wscore"
)

// The status page names the route by its ServeMux pattern, without the
// method, the host or the "{$}" end anchor.
func TestStatusRouteFromPattern(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ pattern, path, want string }{
		{"/{$}", "/", "/"},
		{"GET /{$}", "/", "/"},
		{"GET example.com/live/{$}", "/live/", "/live/"},
		{"/rooms/{room}", "/rooms/42", "/rooms/{room}"},
		{"/ws", "/ws", "/ws"},
	} {
		mux := http.NewServeMux()
		mux.Handle(tc.pattern, wshttp.MustHandler(func() wscore.ServerProtocol { return wscore.BaseServerProtocol{} }, wscore.Options{}))
		req := httptest.NewRequest("GET", "http://example.com"+tc.path, nil)
		req.Header.Set("Accept", "application/json")
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		var snap struct{ Route string }
		if err := json.Unmarshal(rec.Body.Bytes(), &snap); err != nil || snap.Route != tc.want {
			t.Errorf("pattern %q: route %q (%v), want %q", tc.pattern, snap.Route, err, tc.want)
		}
	}
}
