package main

import (
	"context"
	"encoding/json"
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
	p.user = userOf(req.Query.Get("user")) // identify has vetted it
	return wscore.Accept{}, nil
}

func (p *Feed) OnOpen(c *wscore.Conn) { wsjson.Send(c, feed(p.user)) }

func feed(user string) map[string]any {
	return map[string]any{"user": user, "items": []string{"wsplug added to a net/http app", "two routes, two sets of options"}}
}

type userKey struct{}

func userOf(q string) string {
	if q == "" {
		return "guest"
	}
	return q
}

// identify is the app's own middleware around the /live/ group.
func identify(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user := userOf(r.URL.Query().Get("user"))
		if user == "mallory" {
			http.Error(w, "mallory is banned", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, user)))
	})
}

// newApp builds the application. The routes' engines are returned so that
// shutdown can close their connections.
func newApp() (http.Handler, []*wscore.Server, error) {
	echoRoute, err := wshttp.Handler(func() wscore.ServerProtocol { return Echo{} }, wscore.Options{
		PerMessageCompressionAccept: wscore.DefaultDeflateAccept, // same-origin (the default), compressed
	})
	if err != nil {
		return nil, nil, err
	}
	// The feed's engine is built first, so the app keeps it for Shutdown and
	// Stats; the feed's route gets it below as the middleware in front of the
	// existing JSON handler.
	feedServer, err := wscore.NewServer(func() wscore.ServerProtocol { return &Feed{} }, wscore.Options{
		// pages of *.example.com (and this app, locally) may connect; no compression
		AllowedOrigins: []string{"https://*.example.com:*", "http://127.0.0.1:*", "http://localhost:*"},
		MaxConnections: 1000,
	})
	if err != nil {
		return nil, nil, err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, homePage)
	})
	mux.HandleFunc("GET /api/hello", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"hello": "world"})
	})

	// The /live/ group: a sub-mux behind the app's identify middleware.
	live := http.NewServeMux()
	live.Handle("GET /live/echo", echoRoute) // handler form: the status page on plain GET
	// Middleware form: the feed route sits in front of the existing JSON
	// handler, so upgrades are the feed's WebSocket connections and plain
	// requests reach the handler.
	feedHandler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(feed(r.Context().Value(userKey{}).(string)))
	})
	live.Handle("GET /live/feed", wshttp.New(feedServer).Middleware(feedHandler))
	live.Handle("GET /live/feed/status", wshttp.StatusHandler(feedServer, "/live/feed"))
	mux.Handle("/live/", identify(live))
	return mux, []*wscore.Server{echoRoute.Server(), feedServer}, nil
}

const homePage = `<!doctype html><meta charset="utf-8"><title>net/http app</title>
<h1>An existing net/http app</h1>
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
	hs := wshttp.NewHTTPServer(app, wscore.Options{}) // timeouts fit for the internet
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	fmt.Printf("net/http app on http://%s/ (WebSocket routes /live/echo and /live/feed)\n", ln.Addr())

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
