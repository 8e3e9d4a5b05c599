package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gofiber/fiber/v2"
	"github.com/labstack/echo/v4"

	wsecho "github.com/wsplug/wsplug/middleware/echo"
	wsfiber "github.com/wsplug/wsplug/middleware/fiber"
	wsgin "github.com/wsplug/wsplug/middleware/gin"
	wshttp "github.com/wsplug/wsplug/middleware/nethttp"
	"github.com/wsplug/wsplug/wscore"
)

// echoProtocol sends every message back as it came.
type echoProtocol struct{ wscore.BaseServerProtocol }

func (echoProtocol) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	c.SendMessage(payload, isBinary)
}

func newEcho() wscore.ServerProtocol { return echoProtocol{} }

// options are the suite's: 16 MiB messages, default origin policy (the suite
// sends no Origin), permessage-deflate accepted.
var options = wscore.Options{
	MaxMessagePayloadSize:       64 << 20,
	PerMessageCompressionAccept: wscore.DefaultDeflateAccept,
}

// frameworks are the adapters the server can run behind.
var frameworks = []string{"nethttp", "gin", "echo", "fiber"}

func main() {
	addr := flag.String("addr", "127.0.0.1:9001", "address to listen on (host:port; port 0 picks a free one)")
	framework := flag.String("framework", "nethttp", "adapter to serve through: nethttp, gin, echo or fiber")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := run(ctx, *framework, *addr, func(url string) {
		fmt.Printf("autobahn echo server (%s) listening on %s\n", *framework, url)
	})
	if err != nil {
		log.Fatal(err)
	}
}

// run serves the echo protocol at "/" through framework on addr until ctx is
// done, then closes every connection (1001) and returns. ready gets the URL.
func run(ctx context.Context, framework, addr string, ready func(url string)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	var (
		serve    func() error
		shutdown func(context.Context) error
		engine   *wscore.Server
	)
	switch framework {
	case "nethttp":
		rt, err := wshttp.Handler(newEcho, options)
		if err != nil {
			return err
		}
		hs := wshttp.NewHTTPServer(rt, options)
		engine, serve, shutdown = rt.Server(), func() error { return hs.Serve(ln) }, hs.Shutdown
	case "gin":
		rt, err := wsgin.NewRoute(wsgin.Config{Factory: newEcho, Options: options})
		if err != nil {
			return err
		}
		gin.SetMode(gin.ReleaseMode)
		r := gin.New()
		r.GET("/", rt.Handler())
		hs := wshttp.NewHTTPServer(r, options)
		engine, serve, shutdown = rt.Server(), func() error { return hs.Serve(ln) }, hs.Shutdown
	case "echo":
		rt, err := wsecho.NewRoute(wsecho.Config{Factory: newEcho, Options: options})
		if err != nil {
			return err
		}
		e := echo.New()
		e.HideBanner, e.HidePort = true, true
		e.GET("/", rt.Handler())
		hs := wshttp.NewHTTPServer(e, options)
		engine, serve, shutdown = rt.Server(), func() error { return hs.Serve(ln) }, hs.Shutdown
	case "fiber":
		rt, err := wsfiber.NewRoute(wsfiber.Config{Factory: newEcho, Options: options})
		if err != nil {
			return err
		}
		app := fiber.New(fiber.Config{DisableStartupMessage: true, ReadTimeout: 5 * time.Second})
		app.Get("/", rt.Handler())
		engine, serve, shutdown = rt.Server(), func() error { return app.Listener(ln) }, app.ShutdownWithContext
	default:
		ln.Close()
		return fmt.Errorf("unknown -framework %q (want one of %v)", framework, frameworks)
	}

	errc := make(chan error, 1)
	go func() { errc <- serve() }()
	ready("ws://" + ln.Addr().String() + "/")
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = errors.Join(shutdown(sctx), engine.Shutdown(sctx))
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}
