// Package wsplugecho is the echo protocol and options shared by the wsplug
// servers (one per adapter), so they differ only in how they are mounted.
package wsplugecho

import (
	"github.com/wsplug/wsplug/wscore"
)

// Echo sends every message back from the connection's reader goroutine with
// the engine's fast path for answers: QueueMessage (answers to messages that
// arrived together share one write), then ReleasePayload (the next message is
// read into the same memory), as gws's echo returns its message buffer with
// message.Close().
type Echo struct{ wscore.BaseServerProtocol }

// OnMessage echoes the message.
func (Echo) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	c.QueueMessage(payload, isBinary)
	wscore.ReleasePayload(payload)
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
