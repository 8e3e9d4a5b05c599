// Command wsplug-gin is the wsplug echo as a gin route (release mode).
package main

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/wsplug/wsplug/bench/servers/internal/serve"
	"github.com/wsplug/wsplug/bench/servers/internal/wsplugecho"
	wsgin "github.com/wsplug/wsplug/middleware/gin"
)

func main() {
	f := serve.Parse()
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/", wsgin.New(wsgin.Config{Factory: wsplugecho.Factory, Options: wsplugecho.Options(f.Deflate)}))
	serve.Fatal((&http.Server{Handler: r}).Serve(serve.Listen(f.Addr)))
}
