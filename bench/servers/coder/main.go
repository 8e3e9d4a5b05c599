// Command coder is the coder/websocket echo as in its echo example: Accept,
// then Reader/Writer with io.Copy for each message. The read limit is raised
// to 64 MiB (the default 32 KiB would refuse the 64 KiB scenario). With
// -deflate it uses CompressionContextTakeover (coder's more efficient mode;
// compression is off by default).
package main

import (
	"context"
	"io"
	"net/http"

	"github.com/coder/websocket"

	"github.com/wsplug/wsplug/bench/servers/internal/serve"
)

func main() {
	f := serve.Parse()
	opts := &websocket.AcceptOptions{InsecureSkipVerify: true}
	if f.Deflate {
		opts.CompressionMode = websocket.CompressionContextTakeover
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, opts)
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(64 << 20)
		ctx := context.Background()
		for {
			if err := echo(ctx, c); err != nil {
				return
			}
		}
	})
	serve.Fatal((&http.Server{Handler: h}).Serve(serve.Listen(f.Addr)))
}

func echo(ctx context.Context, c *websocket.Conn) error {
	typ, r, err := c.Reader(ctx)
	if err != nil {
		return err
	}
	w, err := c.Writer(ctx, typ)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		return err
	}
	return w.Close()
}
