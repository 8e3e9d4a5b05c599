package wsgin_test

import (
	"testing"

	"github.com/wsplug/wsplug/internal/adaptertest"
	wshttp "github.com/wsplug/wsplug/middleware/nethttp"
)

// hostileSetup serves a gin engine as README's "Security and limits" tells
// gin users to: with wshttp.NewHTTPServer(r, opts), which bounds the request
// head by OpenHandshakeTimeout (r.Run has no timeout).
var hostileSetup = adaptertest.HTTPServerSetup("gin", mount, wshttp.NewHTTPServer)

func TestHostile(t *testing.T) { adaptertest.RunHostile(t, hostileSetup) }
