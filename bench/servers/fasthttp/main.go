// Command fasthttp is the fasthttp/websocket echo on a fasthttp.Server: the
// FastHTTPUpgrader with default buffers and the ReadMessage/WriteMessage loop
// of its examples. With -deflate it enables compression (no context takeover,
// as in gorilla, which it is a fork of).
package main

import (
	"github.com/fasthttp/websocket"
	"github.com/valyala/fasthttp"

	"github.com/wsplug/wsplug/bench/servers/internal/serve"
)

func main() {
	f := serve.Parse()
	up := websocket.FastHTTPUpgrader{
		CheckOrigin:       func(*fasthttp.RequestCtx) bool { return true },
		EnableCompression: f.Deflate,
	}
	h := func(ctx *fasthttp.RequestCtx) {
		up.Upgrade(ctx, func(c *websocket.Conn) {
			for {
				mt, msg, err := c.ReadMessage()
				if err != nil {
					return
				}
				if err := c.WriteMessage(mt, msg); err != nil {
					return
				}
			}
		})
	}
	serve.Fatal((&fasthttp.Server{Handler: h}).Serve(serve.Listen(f.Addr)))
}
