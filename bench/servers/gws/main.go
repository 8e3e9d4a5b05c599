// Command gws is the lxzan/gws echo on gws's own server (gws.NewServer, which
// reads the request itself and runs ReadLoop on the connection's goroutine),
// with the default options: no parallel message processing, UTF-8 checks off
// (gws's default). The handler echoes as its README's best practice does.
// With -deflate it enables PermessageDeflate with its defaults (no context
// takeover either way, BestSpeed).
package main

import (
	"github.com/lxzan/gws"

	"github.com/wsplug/wsplug/bench/servers/internal/serve"
)

type handler struct{ gws.BuiltinEventHandler }

func (handler) OnMessage(socket *gws.Conn, message *gws.Message) {
	defer message.Close()
	socket.WriteMessage(message.Opcode, message.Bytes())
}

func main() {
	f := serve.Parse()
	s := gws.NewServer(handler{}, &gws.ServerOption{
		PermessageDeflate: gws.PermessageDeflate{Enabled: f.Deflate},
	})
	serve.Fatal(s.RunListener(serve.Listen(f.Addr)))
}
