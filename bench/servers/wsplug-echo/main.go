// Command wsplug-echo is the wsplug echo as an echo (labstack) route.
package main

import (
	"github.com/labstack/echo/v4"

	"github.com/wsplug/wsplug/bench/servers/internal/serve"
	"github.com/wsplug/wsplug/bench/servers/internal/wsplugecho"
	wsecho "github.com/wsplug/wsplug/middleware/echo"
)

func main() {
	f := serve.Parse()
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/", wsecho.Handler(wsplugecho.Factory, wsplugecho.Options(f.Deflate)))
	e.Listener = serve.Listen(f.Addr)
	serve.Fatal(e.Start(""))
}
