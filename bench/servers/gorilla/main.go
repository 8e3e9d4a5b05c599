// Command gorilla is the gorilla/websocket echo: the default Upgrader (4 KiB
// read and write buffers) and the ReadMessage/WriteMessage loop of its
// examples. With -deflate it enables compression (gorilla supports only
// no_context_takeover, at its default level).
package main

import (
	"net/http"

	"github.com/gorilla/websocket"

	"github.com/wsplug/wsplug/bench/servers/internal/serve"
)

func main() {
	f := serve.Parse()
	up := websocket.Upgrader{
		CheckOrigin:       func(*http.Request) bool { return true },
		EnableCompression: f.Deflate,
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
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
	serve.Fatal((&http.Server{Handler: h}).Serve(serve.Listen(f.Addr)))
}
