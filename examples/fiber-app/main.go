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

	"github.com/gofiber/fiber/v2"

	wsfiber "github.com/wsplug/wsplug/middleware/fiber"
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
	p.user, _ = req.Values["user"].(string) // set by identify, copied from c.Locals
	return wscore.Accept{}, nil
}

func (p *Feed) OnOpen(c *wscore.Conn) { wsjson.Send(c, feed(p.user)) }

func feed(user string) fiber.Map {
	return fiber.Map{"user": user, "items": []string{"wsplug added to a fiber app", "two routes, two sets of options"}}
}

// identify is the app's own middleware on the /live group.
func identify(c *fiber.Ctx) error {
	user := c.Query("user", "guest")
	if user == "mallory" {
		return fiber.NewError(fiber.StatusForbidden, "mallory is banned")
	}
	c.Locals("user", user)
	return c.Next()
}

// newApp builds the application. The routes' engines are returned so that
// shutdown can close their connections.
func newApp() (*fiber.App, []*wscore.Server, error) {
	echoRoute, err := wsfiber.NewRoute(wsfiber.Config{
		Factory: func() wscore.ServerProtocol { return Echo{} },
		Options: wscore.Options{ // same-origin (the default), compressed
			PerMessageCompressionAccept: wscore.DefaultDeflateAccept,
		},
	})
	if err != nil {
		return nil, nil, err
	}
	// The feed's engine is built first, so the app keeps it for Shutdown and
	// Stats; the /live/feed group mounts it below as its middleware.
	feedServer, err := wscore.NewServer(func() wscore.ServerProtocol { return &Feed{} }, wscore.Options{
		// pages of *.example.com (and this app, locally) may connect; no compression
		AllowedOrigins: []string{"https://*.example.com:*", "http://127.0.0.1:*", "http://localhost:*"},
		MaxConnections: 1000,
	})
	if err != nil {
		return nil, nil, err
	}

	app := fiber.New(fiber.Config{
		DisableStartupMessage: true,
		ReadTimeout:           wscore.DefaultOpenHandshakeTimeout, // fiber has none by default: bound the request head
		IdleTimeout:           2 * time.Minute,
	})
	app.Get("/", func(c *fiber.Ctx) error {
		c.Type("html", "utf-8")
		return c.SendString(homePage)
	})
	app.Get("/api/hello", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"hello": "world"}) })

	live := app.Group("/live", identify)
	live.Get("/echo", echoRoute.Handler()) // handler form: the status page on plain GET
	// Middleware form on a group: upgrades under /live/feed are the feed's
	// WebSocket connections (after identify), plain requests go on to the
	// group's handlers.
	feedGroup := live.Group("/feed", wsfiber.NewMiddleware(wsfiber.Config{Server: feedServer}))
	feedGroup.Get("", func(c *fiber.Ctx) error {
		user, _ := c.Locals("user").(string)
		return c.JSON(feed(user))
	})
	live.Get("/feed/status", wsfiber.Status(feedServer, "/live/feed"))
	return app, []*wscore.Server{echoRoute.Server(), feedServer}, nil
}

const homePage = `<!doctype html><meta charset="utf-8"><title>fiber app</title>
<h1>An existing fiber app</h1>
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
	errc := make(chan error, 1)
	go func() { errc <- app.Listener(ln) }()
	fmt.Printf("fiber app on http://%s/ (WebSocket routes /live/echo and /live/feed)\n", ln.Addr())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// fiber's Shutdown does not close hijacked connections: the routes'
	// engines close them with 1001, first.
	for _, s := range engines {
		err = errors.Join(err, s.Shutdown(sctx))
	}
	err = errors.Join(err, app.ShutdownWithContext(sctx))
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}
