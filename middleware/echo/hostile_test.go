package wsecho_test

import (
	"testing"

	"github.com/wsplug/wsplug/internal/adaptertest"
	wshttp "github.com/wsplug/wsplug/middleware/nethttp"
)

// hostileSetup serves an echo instance as README's "Security and limits"
// tells echo users to: with wshttp.NewHTTPServer(e, opts), which bounds the
// request head by OpenHandshakeTimeout (e.Start has no timeout).
var hostileSetup = adaptertest.HTTPServerSetup("echo", mount, wshttp.NewHTTPServer)

func TestHostile(t *testing.T) { adaptertest.RunHostile(t, hostileSetup) }
