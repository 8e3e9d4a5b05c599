package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/wsplug/wsplug/broadcast"
	"github.com/wsplug/wsplug/broadcast/natsbroker"
	"github.com/wsplug/wsplug/broadcast/redisbroker"
	wshttp "github.com/wsplug/wsplug/middleware/nethttp"
	"github.com/wsplug/wsplug/status"
	"github.com/wsplug/wsplug/wscore"
)

//go:embed page
var pageFiles embed.FS

// topic is the one room every client of every node is in.
const topic = "chat"

// chatter is one client: it joins the room when it opens and publishes every
// text message it sends.
type chatter struct {
	wscore.BaseServerProtocol
	hub *broadcast.Hub
}

func (p *chatter) OnOpen(c *wscore.Conn) {
	if err := p.hub.Join(c, topic); err != nil {
		log.Printf("chat: %v", err)
		c.SendClose(wscore.CloseTryAgainLater, "the chat room is unavailable")
	}
}

func (p *chatter) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	if isBinary {
		c.SendClose(wscore.CloseUnsupportedData, "the chat takes text messages")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.hub.Publish(ctx, topic, payload, false); err != nil {
		log.Printf("chat: %v", err)
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "address to listen on (host:port; port 0 picks a free one)")
	brokerURL := flag.String("broker", "memory", "backplane: memory, redis://host:port or nats://host:port")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := run(ctx, *addr, *brokerURL, func(url, node string) {
		fmt.Printf("chat node %s (broker %s): open %s\n", node, *brokerURL, url)
	})
	if err != nil {
		log.Fatal(err)
	}
}

// newBroker makes the broker the -broker flag names.
func newBroker(url string) (broadcast.Broker, error) {
	switch {
	case url == "" || url == "memory":
		return broadcast.NewMemoryBroker(), nil
	case strings.HasPrefix(url, "redis://"), strings.HasPrefix(url, "rediss://"):
		return redisbroker.Dial(url, redisbroker.Options{})
	case strings.HasPrefix(url, "nats://"), strings.HasPrefix(url, "tls://"):
		return natsbroker.Dial(url, natsbroker.Options{})
	}
	return nil, fmt.Errorf("unknown broker %q: use memory, redis://host:port or nats://host:port", url)
}

// run serves the chat on addr until ctx is done, then closes every
// connection (1001) and returns. ready gets the page's URL and the node ID.
func run(ctx context.Context, addr, brokerURL string, ready func(url, node string)) error {
	broker, err := newBroker(brokerURL)
	if err != nil {
		return err
	}
	hub, err := broadcast.NewHub(broadcast.HubOptions{
		Broker: broker,
		OnResync: func([]string) {
			log.Print("chat: reconnected to the broker; messages sent during the outage were lost")
		},
	})
	if err != nil {
		broker.Close()
		return err
	}
	defer hub.Close()

	srv, err := wscore.NewServer(hub.Protocol(func() wscore.ServerProtocol { return &chatter{hub: hub} }),
		wscore.Options{MaxMessagePayloadSize: 16 << 10})
	if err != nil {
		return err
	}
	page, err := fs.Sub(pageFiles, "page")
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", http.FileServerFS(page))
	mux.Handle("GET /chat.css", http.FileServerFS(page))
	mux.Handle("GET /chat.js", http.FileServerFS(page))
	// /ws: upgrades join the chat; a plain GET gets the status page with
	// the node's broadcast state.
	mux.Handle("/ws", wshttp.New(srv).Middleware(status.ExtraHandler(srv, "/ws", status.Extra{
		Title:  "Broadcast",
		Fields: func() []status.Field { return nodeFields(hub) },
	})))

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	hs := wshttp.NewHTTPServer(mux, srv.Options())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	ready("http://"+ln.Addr().String()+"/", hub.NodeID())

	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	hs.Shutdown(sctx)
	srv.Shutdown(sctx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// nodeFields is what the status page shows about this node's broadcasting.
// The page is public: it names the broker's kind and state, never its
// address or its error text (which carry host names, ports and sometimes
// more), as the status page shows no peer addresses.
func nodeFields(hub *broadcast.Hub) []status.Field {
	bs := hub.Broker().State()
	st := hub.Stats()
	return []status.Field{
		{Key: "node", Label: "Node", Value: hub.NodeID()},
		{Key: "topic", Label: "Topic", Value: topic},
		{Key: "topic_members", Label: "Members here", Value: strconv.Itoa(hub.Members(topic))},
		{Key: "broker", Label: "Broker", Value: bs.Kind},
		{Key: "broker_state", Label: "Broker state", Value: brokerState(bs)},
		{Key: "broker_resyncs", Label: "Resyncs after reconnecting", Value: strconv.FormatUint(st.Resyncs, 10)},
		{Key: "published", Label: "Published here", Value: strconv.FormatUint(st.Published, 10)},
		{Key: "received", Label: "Received from the broker", Value: strconv.FormatUint(st.Received, 10)},
		{Key: "dropped", Label: "Dropped (slow clients)", Value: strconv.FormatUint(st.Dropped, 10)},
		{Key: "lag", Label: "Delivery lag (last / max)", Value: st.LastLag.Round(time.Microsecond).String() + " / " + st.MaxLag.Round(time.Microsecond).String()},
	}
}

// brokerState is the broker's state in a word: "connected", or
// "reconnecting" while its connection to the backplane is down (the Redis
// and NATS brokers reconnect by themselves).
func brokerState(bs broadcast.BrokerState) string {
	if bs.Connected {
		return "connected"
	}
	return "reconnecting"
}
