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

// Options are the defaults; with deflate, permessage-deflate is accepted
// without context takeover either way, which is what gorilla, gws, fasthttp
// and the fiber contrib negotiate, so the compression scenario compares the
// same work (with takeover each connection keeps its own compressor: see
// wscore's package documentation on compression memory).
func Options(deflate bool) wscore.Options {
	var o wscore.Options
	if deflate {
		o.PerMessageCompressionAccept = wscore.DeflateAcceptor{ServerNoContextTakeover: true, ClientNoContextTakeover: true}.Accept
	}
	return o
}
