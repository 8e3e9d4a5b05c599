// Package wsplugecho is the echo protocol and options shared by the wsplug
// servers (one per adapter), so they differ only in how they are mounted.
package wsplugecho

import (
	"github.com/wsplug/wsplug/wscore"
)

// Echo sends every message back, from the connection's reader goroutine, as
// the README's echo example does.
type Echo struct{ wscore.BaseServerProtocol }

// OnMessage echoes the message.
func (Echo) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	c.SendMessage(payload, isBinary)
}

// Factory makes the protocol of each connection.
func Factory() wscore.ServerProtocol { return Echo{} }

// Options are the defaults; with deflate, permessage-deflate is accepted.
func Options(deflate bool) wscore.Options {
	var o wscore.Options
	if deflate {
		// Context takeover wherever the client allows it, as browsers get.
		o.PerMessageCompressionAccept = wscore.DefaultDeflateAccept
	}
	return o
}
