package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	wshttp "github.com/wsplug/wsplug/middleware/nethttp"
	"github.com/wsplug/wsplug/wscore"
)

// subprotocols the server speaks, most preferred first.
var subprotocols = []string{"lifecycle.v2", "lifecycle.v1"}

const sessionCookie = "lifecycle_session"

// Lifecycle prints each callback. One value per connection: session is
// per-connection state, set in OnConnect and read later without locking.
type Lifecycle struct {
	session string
}

func (p *Lifecycle) OnConnect(req *wscore.ConnectionRequest) (wscore.Accept, error) {
	fmt.Printf("[%s] OnConnect path=%s origin=%q offered subprotocols=%q\n", req.Peer, req.Path, req.Origin, req.Protocols)

	// Choose a subprotocol. A client that offers some but none we speak
	// would fail the connection itself; refusing says why.
	var chosen string
	for _, sp := range subprotocols {
		if slices.Contains(req.Protocols, sp) {
			chosen = sp
			break
		}
	}
	if chosen == "" && len(req.Protocols) > 0 {
		return wscore.Accept{}, &wscore.HTTPError{Status: http.StatusBadRequest, Reason: "speak lifecycle.v2 or lifecycle.v1"}
	}

	// Keep the client's session, or start one with a cookie on the 101.
	h := http.Header{}
	if c, err := (&http.Request{Header: req.Header}).Cookie(sessionCookie); err == nil && c.Value != "" {
		p.session = c.Value
	} else {
		p.session = newSessionID()
		cookie := &http.Cookie{Name: sessionCookie, Value: p.session, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode}
		h.Add("Set-Cookie", cookie.String())
	}
	return wscore.Accept{Subprotocol: chosen, Header: h}, nil
}

func (p *Lifecycle) OnOpen(c *wscore.Conn) {
	fmt.Printf("[%s] OnOpen subprotocol=%q extensions=%q session=%s\n", c.Peer(), c.Subprotocol(), c.Extensions(), p.session)
	c.SendMessage([]byte("welcome, session "+p.session), false)
}

func (p *Lifecycle) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	if isBinary {
		fmt.Printf("[%s] OnMessage binary, %d bytes\n", c.Peer(), len(payload))
	} else {
		fmt.Printf("[%s] OnMessage text %q\n", c.Peer(), payload)
	}
	if !isBinary && string(payload) == "close" {
		c.SendClose(wscore.CloseNormal, "bye")
		return
	}
	c.SendMessage(payload, isBinary)
}

func (p *Lifecycle) OnClose(c *wscore.Conn, wasClean bool, code int, reason string) {
	sentCode, sentReason, sent := c.LocalClose()
	t := c.Timings()
	fmt.Printf("[%s] OnClose wasClean=%v code=%d (%s) reason=%q; we sent close=%v code=%d reason=%q; open for %v\n",
		c.Peer(), wasClean, code, wscore.CloseText(code), reason, sent, sentCode, sentReason, t.CloseEnd.Sub(t.Opened).Round(time.Millisecond))
}

func newSessionID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "address to listen on (host:port; port 0 picks a free one)")
	ping := flag.Duration("ping", 10*time.Second, "send a ping after this long without one (AutoPingInterval)")
	pingTimeout := flag.Duration("ping-timeout", 5*time.Second, "drop a connection whose pong takes longer (AutoPingTimeout)")
	frames := flag.Bool("frames", false, "log every frame at debug level (LogFrames)")
	flag.Parse()

	opts := wscore.Options{
		Subprotocols:     subprotocols, // offered by the status page's console
		AutoPingInterval: *ping,
		AutoPingTimeout:  *pingTimeout,
		TrackTimings:     true,
		LogFrames:        *frames,
	}
	if *frames {
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, *addr, opts, func(host string) {
		fmt.Printf("wsplug lifecycle server\n  status page: http://%s/\n  WebSocket:   ws://%s/ (subprotocols %q)\n", host, host, subprotocols)
		fmt.Println("Ctrl-C to shut down gracefully.")
	})
	if err != nil {
		log.Fatal(err)
	}
}

// run serves until ctx is done, then shuts down gracefully: Shutdown sends
// every connection 1001 and waits for their closing handshakes (and their
// OnClose) until its context ends.
func run(ctx context.Context, addr string, opts wscore.Options, ready func(host string)) error {
	rt, err := wshttp.Handler(func() wscore.ServerProtocol { return &Lifecycle{} }, opts)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/{$}", rt)
	hs := wshttp.NewHTTPServer(mux, opts)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	ready(ln.Addr().String())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fmt.Printf("shutting down: %d open connection(s) get 1001\n", rt.Server().Stats().Open)
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = errors.Join(rt.Server().Shutdown(sctx), hs.Shutdown(sctx))
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	fmt.Println("stopped")
	return err
}
