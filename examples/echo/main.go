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
	"syscall"
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

// Echo is the whole protocol: every message goes back as it came.
type Echo struct{ wscore.BaseServerProtocol }

func (Echo) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	c.SendMessage(payload, isBinary)
}

func newEcho() wscore.ServerProtocol { return Echo{} }

// options are the defaults plus permessage-deflate.
var options = wscore.Options{PerMessageCompressionAccept: wscore.DefaultDeflateAccept}

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "address to listen on (host:port; port 0 picks a free one)")
	framework := flag.String("framework", "nethttp", "adapter to serve through: nethttp, gin, echo or fiber")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, *framework, *addr, func(host string) {
		fmt.Printf("wsplug echo server (%s)\n", *framework)
		fmt.Printf("  status page: http://%s/\n", host)
		fmt.Printf("  WebSocket:   ws://%s/\n", host)
		fmt.Println("Ctrl-C to stop.")
	})
	if err != nil {
		log.Fatal(err)
	}
}

// server is an HTTP server in any of the frameworks: serve blocks until
// shutdown is called.
type server struct {
	serve    func(net.Listener) error
	shutdown func(context.Context) error
}

// newServer mounts route at "/" on framework's router.
func newServer(framework string) (server, *wscore.Server, error) {
	switch framework {
	case "nethttp":
		rt, err := wshttp.Handler(newEcho, options)
		if err != nil {
			return server{}, nil, err
		}
		mux := http.NewServeMux()
		mux.Handle("/{$}", rt)
		hs := wshttp.NewHTTPServer(mux, options)
		return server{hs.Serve, hs.Shutdown}, rt.Server(), nil
	case "gin":
		rt, err := wsgin.NewRoute(wsgin.Config{Factory: newEcho, Options: options})
		if err != nil {
			return server{}, nil, err
		}
		gin.SetMode(gin.ReleaseMode)
		r := gin.New()
		r.Use(gin.Recovery())
		r.GET("/", rt.Handler())
		hs := wshttp.NewHTTPServer(r, options)
		return server{hs.Serve, hs.Shutdown}, rt.Server(), nil
	case "echo":
		rt, err := wsecho.NewRoute(wsecho.Config{Factory: newEcho, Options: options})
		if err != nil {
			return server{}, nil, err
		}
		e := echo.New()
		e.HideBanner, e.HidePort = true, true
		e.GET("/", rt.Handler())
		hs := wshttp.NewHTTPServer(e, options)
		return server{hs.Serve, hs.Shutdown}, rt.Server(), nil
	case "fiber":
		rt, err := wsfiber.NewRoute(wsfiber.Config{Factory: newEcho, Options: options})
		if err != nil {
			return server{}, nil, err
		}
		// fiber has no timeout by default: bound the request head as
		// wshttp.NewHTTPServer does for net/http.
		app := fiber.New(fiber.Config{
			DisableStartupMessage: true,
			ReadTimeout:           wscore.DefaultOpenHandshakeTimeout,
			IdleTimeout:           wshttp.DefaultIdleTimeout,
		})
		app.Get("/", rt.Handler())
		return server{app.Listener, app.ShutdownWithContext}, rt.Server(), nil
	}
	return server{}, nil, fmt.Errorf("unknown -framework %q: use nethttp, gin, echo or fiber", framework)
}

// run serves until ctx is done, then closes every WebSocket with 1001 and
// stops the HTTP server. ready gets the host:port actually listened on.
func run(ctx context.Context, framework, addr string, ready func(host string)) error {
	srv, engine, err := newServer(framework)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.serve(ln) }()
	ready(ln.Addr().String())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fmt.Println("shutting down: closing WebSocket connections with 1001")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// The engine knows the upgraded connections, the HTTP server does not:
	// stop both at once, so neither waits for the other.
	engineDone := make(chan error, 1)
	go func() { engineDone <- engine.Shutdown(sctx) }()
	err = errors.Join(srv.shutdown(sctx), <-engineDone)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}
