package wshttp_test

import (
	"testing"

	"github.com/wsplug/wsplug/internal/adaptertest"
	wshttp "github.com/wsplug/wsplug/middleware/nethttp"
)

// hostileSetup serves the routes as README's "Security and limits" tells
// net/http users to: behind wshttp.NewHTTPServer with the route's options,
// so the request head is bounded by OpenHandshakeTimeout.
var hostileSetup = func() adaptertest.Setup {
	s := adaptertest.HTTPServerSetup("nethttp", mount, wshttp.NewHTTPServer)
	s.NoValues = true
	return s
}()

func TestHostile(t *testing.T) { adaptertest.RunHostile(t, hostileSetup) }
