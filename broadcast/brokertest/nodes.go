package brokertest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsplug/wsplug/broadcast"
	wshttp "github.com/wsplug/wsplug/middleware/nethttp"
	"github.com/wsplug/wsplug/wscore"
)

// Node is a wsplug server on a loopback listener of its own, whose
// connections join one room and publish every text message they send to it.
type Node struct {
	Hub    *broadcast.Hub
	Server *wscore.Server
	URL    string // ws://127.0.0.1:port/ws
}

// Room is the topic the Node's connections join.
const Room = "room"

// Welcome is the first message a Node sends a connection, once it joined the
// room: a client that read it receives everything published afterwards.
const Welcome = "welcome"

type roomProtocol struct {
	wscore.BaseServerProtocol
	hub *broadcast.Hub
}

func (p *roomProtocol) OnOpen(c *wscore.Conn) {
	if err := p.hub.Join(c, Room); err != nil {
		c.SendClose(wscore.CloseTryAgainLater, "cannot join the room")
		return
	}
	c.SendMessage([]byte(Welcome), false)
}

func (p *roomProtocol) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p.hub.Publish(ctx, Room, payload, isBinary)
}

// StartNode serves a room on 127.0.0.1 with its own Hub on broker; the test's
// cleanup shuts it down.
func StartNode(t testing.TB, broker broadcast.Broker, opts broadcast.HubOptions) *Node {
	t.Helper()
	opts.Broker = broker
	hub, err := broadcast.NewHub(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := wscore.NewServer(hub.Protocol(func() wscore.ServerProtocol { return &roomProtocol{hub: hub} }), wscore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/ws", wshttp.New(srv))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := wshttp.NewHTTPServer(mux, wscore.Options{})
	go hs.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
		srv.Shutdown(ctx)
		hub.Close()
	})
	return &Node{Hub: hub, Server: srv, URL: "ws://" + ln.Addr().String() + "/ws"}
}

// Client is a gorilla/websocket client in a Node's room.
type Client struct {
	t    testing.TB
	Conn *websocket.Conn
}

// Dial connects to a node and waits for its welcome.
func (n *Node) Dial(t testing.TB) *Client {
	t.Helper()
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	c, _, err := d.Dial(n.URL, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", n.URL, err)
	}
	t.Cleanup(func() { c.Close() })
	cl := &Client{t: t, Conn: c}
	if got := cl.Read(); got != Welcome {
		t.Fatalf("first message %q, want %q", got, Welcome)
	}
	return cl
}

// Send sends a text message.
func (c *Client) Send(msg string) {
	c.t.Helper()
	if err := c.Conn.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// Read reads one text message (10 s at most).
func (c *Client) Read() string {
	c.t.Helper()
	c.Conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	typ, msg, err := c.Conn.ReadMessage()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	if typ != websocket.TextMessage {
		c.t.Fatalf("got a message of type %d, want text", typ)
	}
	return string(msg)
}

// Close closes the connection with 1000 and waits for the server's answer.
func (c *Client) Close() {
	c.Conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	c.Conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := c.Conn.ReadMessage(); err != nil {
			var ce *websocket.CloseError
			if !errors.As(err, &ce) {
				c.t.Errorf("closing: %v", err)
			}
			return
		}
	}
}

// Ordering is what a backplane promises about messages of concurrent
// publishers.
type Ordering int

const (
	// TotalOrder: every subscriber sees the same interleaving of all
	// publishers (a single-threaded Redis, the in-memory bus).
	TotalOrder Ordering = iota
	// PublisherOrder: each publisher's messages arrive in order, but two
	// subscribers may see two publishers interleaved differently (NATS core
	// promises source-ordered delivery only).
	PublisherOrder
)

// RunNodes starts three nodes, each with a broker from newBroker (all sharing
// one backplane), and checks with real WebSocket clients that a message sent
// on one node reaches every client on every node, the sender included, and
// that concurrent senders on different nodes reach every client complete and
// in the order the backplane promises.
func RunNodes(t *testing.T, newBroker func(t testing.TB) broadcast.Broker, order Ordering) {
	nodes := make([]*Node, 3)
	for i := range nodes {
		nodes[i] = StartNode(t, newBroker(t), broadcast.HubOptions{NodeID: fmt.Sprintf("node-%c", 'a'+i)})
	}
	a, b, c := nodes[0], nodes[1], nodes[2]
	clients := []*Client{a.Dial(t), a.Dial(t), b.Dial(t), c.Dial(t)}
	names := []string{"a1", "a2", "b", "c"}

	// A client on node B sends; everybody gets it, B's sender too.
	clients[2].Send("hello from b")
	for i, cl := range clients {
		if got := cl.Read(); got != "hello from b" {
			t.Fatalf("client %s got %q, want the message sent on node b", names[i], got)
		}
	}

	// Senders on nodes A and C at once: every client sees every message, each
	// sender's in the order sent, and with TotalOrder the same interleaving.
	const each = 50
	var wg sync.WaitGroup
	senders := []*Client{clients[0], clients[3]}
	for _, s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := s.Conn.WriteMessage(websocket.TextMessage, fmt.Appendf(nil, "%s-%d", s.Conn.LocalAddr(), i)); err != nil {
					t.Errorf("send: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	var first []string
	for i, cl := range clients {
		seq := make([]string, 2*each)
		for j := range seq {
			seq[j] = cl.Read()
		}
		for _, s := range senders {
			prefix := s.Conn.LocalAddr().String() + "-"
			var own []string
			for _, m := range seq {
				if strings.HasPrefix(m, prefix) {
					own = append(own, m)
				}
			}
			want := make([]string, each)
			for j := range want {
				want[j] = fmt.Sprintf("%s%d", prefix, j)
			}
			if !slices.Equal(own, want) {
				t.Fatalf("client %s got %d messages of sender %s, want %d in order:\n%s", names[i], len(own), s.Conn.LocalAddr(), each, strings.Join(seq, " "))
			}
		}
		if first == nil {
			first = seq
			continue
		}
		if order == TotalOrder && !slices.Equal(seq, first) {
			t.Fatalf("client %s saw another order than client %s:\n%s\n%s", names[i], names[0], strings.Join(seq, " "), strings.Join(first, " "))
		}
	}
	for _, cl := range clients {
		cl.Close()
	}
	for i, n := range nodes {
		st := n.Hub.Stats()
		if st.Received < 1+2*each || st.DecodeErrors != 0 {
			t.Errorf("node %d stats: %+v", i, st)
		}
	}
}
