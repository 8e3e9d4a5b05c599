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

	"github.com/labstack/echo/v4"

	wsecho "github.com/wsplug/wsplug/middleware/echo"
	wshttp "github.com/wsplug/wsplug/middleware/nethttp"
	"github.com/wsplug/wsplug/wscore"
	"github.com/wsplug/wsplug/wsjson"
)

// Echo sends every message back.
type Echo struct{ wscore.BaseServerProtocol }

func (Echo) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	c.SendMessage(payload, isBinary)
}

// Feed sends the user the same JSON the plain endpoint returns.
type Feed struct {
	wscore.BaseServerProtocol
	user string
}

func (p *Feed) OnConnect(req *wscore.ConnectionRequest) (wscore.Accept, error) {
	p.user, _ = req.Values["user"].(string) // set by identify, copied via ContextKeys
	return wscore.Accept{}, nil
}

func (p *Feed) OnOpen(c *wscore.Conn) { wsjson.Send(c, feed(p.user)) }

func feed(user string) map[string]any {
	return map[string]any{"user": user, "items": []string{"wsplug added to an echo app", "two routes, two sets of options"}}
}

// identify is the app's own middleware on the /live group.
func identify(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		user := c.QueryParam("user")
		if user == "" {
			user = "guest"
		}
		if user == "mallory" {
			return echo.NewHTTPError(http.StatusForbidden, "mallory is banned")
		}
		c.Set("user", user)
		return next(c)
	}
}

// newApp builds the application. The routes' engines are returned so that
// shutdown can close their connections.
func newApp() (*echo.Echo, []*wscore.Server, error) {
	echoRoute, err := wsecho.NewRoute(wsecho.Config{
		Factory: func() wscore.ServerProtocol { return Echo{} },
		Options: wscore.Options{ // same-origin (the default), compressed
			PerMessageCompressionAccept: wscore.DefaultDeflateAccept,
		},
	})
	if err != nil {
		return nil, nil, err
	}
	// The feed's engine is built first, so the app keeps it for Shutdown and
	// Stats; the /live/feed group mounts it below with g.Use.
	feedServer, err := wscore.NewServer(func() wscore.ServerProtocol { return &Feed{} }, wscore.Options{
		// pages of *.example.com (and this app, locally) may connect; no compression
		AllowedOrigins: []string{"https://*.example.com:*", "http://127.0.0.1:*", "http://localhost:*"},
		MaxConnections: 1000,
	})
	if err != nil {
		return nil, nil, err
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/", func(c echo.Context) error { return c.HTML(http.StatusOK, homePage) })
	e.GET("/api/hello", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"hello": "world"})
	})

	live := e.Group("/live", identify)
	live.GET("/echo", echoRoute.Handler()) // handler form: the status page on plain GET
	// Middleware form on a group: upgrades under /live/feed are the feed's
	// WebSocket connections (after identify), plain requests reach the
	// group's handlers.
	feedGroup := live.Group("/feed")
	feedGroup.Use(wsecho.MiddlewareWithConfig(wsecho.Config{
		Server:      feedServer,
		ContextKeys: []string{"user"}, // echo cannot list c.Get keys: name them
	}))
	feedGroup.GET("", func(c echo.Context) error {
		return c.JSON(http.StatusOK, feed(c.Get("user").(string)))
	})
	live.GET("/feed/status", wsecho.Status(feedServer, "/live/feed"))
	return e, []*wscore.Server{echoRoute.Server(), feedServer}, nil
}

const homePage = `<!doctype html><meta charset="utf-8"><title>echo app</title>
<h1>An existing echo app</h1>
<ul>
<li><a href="/api/hello">/api/hello</a>: an existing JSON endpoint
<li><a href="/live/echo">/live/echo</a>: WebSocket echo; this link shows its status page
<li><a href="/live/feed?user=ada">/live/feed</a>: JSON for plain requests, a WebSocket for upgrades
(<a href="/live/feed/status">status</a>)
</ul>`

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "address to listen on (host:port; port 0 picks a free one)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, addr string) error {
	app, engines, err := newApp()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	// e.Start has no timeouts; wshttp.NewHTTPServer bounds the request head.
	hs := wshttp.NewHTTPServer(app, wscore.Options{})
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	fmt.Printf("echo app on http://%s/ (WebSocket routes /live/echo and /live/feed)\n", ln.Addr())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// http.Server.Shutdown does not know upgraded connections: the routes'
	// engines close them with 1001.
	for _, s := range engines {
		err = errors.Join(err, s.Shutdown(sctx))
	}
	err = errors.Join(err, hs.Shutdown(sctx))
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}
