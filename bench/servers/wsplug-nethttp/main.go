// Command wsplug-nethttp is the wsplug echo on net/http through the wshttp
// adapter, served by wshttp.NewHTTPServer as ListenAndServe does.
package main

import (
	"github.com/wsplug/wsplug/bench/servers/internal/serve"
	"github.com/wsplug/wsplug/bench/servers/internal/wsplugecho"
	wshttp "github.com/wsplug/wsplug/middleware/nethttp"
)

func main() {
	f := serve.Parse()
	opts := wsplugecho.Options(f.Deflate)
	rt, err := wshttp.Handler(wsplugecho.Factory, opts)
	if err != nil {
		serve.Fatal(err)
	}
	serve.Fatal(wshttp.NewHTTPServer(rt, opts).Serve(serve.Listen(f.Addr)))
}
