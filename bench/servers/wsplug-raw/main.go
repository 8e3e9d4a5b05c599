// Command wsplug-raw is the wsplug echo on wscore's own listener
// ((*wscore.Server).Serve), without any HTTP framework.
package main

import (
	"github.com/wsplug/wsplug/bench/servers/internal/serve"
	"github.com/wsplug/wsplug/bench/servers/internal/wsplugecho"
	"github.com/wsplug/wsplug/wscore"
)

func main() {
	f := serve.Parse()
	s, err := wscore.NewServer(wsplugecho.Factory, wsplugecho.Options(f.Deflate))
	if err != nil {
		serve.Fatal(err)
	}
	serve.Fatal(s.Serve(serve.Listen(f.Addr)))
}
