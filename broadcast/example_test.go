package broadcast_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsplug/wsplug/broadcast"
	wshttp "github.com/wsplug/wsplug/middleware/nethttp"
	"github.com/wsplug/wsplug/wscore"
)

// chatter joins every connection to the room and publishes what it says.
type chatter struct {
	wscore.BaseServerProtocol
	hub *broadcast.Hub
}

func (p *chatter) OnOpen(c *wscore.Conn) {
	p.hub.Join(c, "room")
	c.SendMessage([]byte("welcome"), false)
}

func (p *chatter) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	p.hub.Publish(context.Background(), "room", payload, isBinary)
}

// A chat room on one node: every message goes to every member, the sender
// included. With a Redis or NATS broker in HubOptions, to every node.
func ExampleHub() {
	hub := broadcast.MustNewHub(broadcast.HubOptions{}) // in-memory broker
	defer hub.Close()
	srv := wscore.MustNewServer(hub.Protocol(func() wscore.ServerProtocol { return &chatter{hub: hub} }), wscore.Options{})
	ts := httptest.NewServer(wshttp.New(srv))
	defer ts.Close()
	defer srv.Shutdown(context.Background())

	url := strings.Replace(ts.URL, "http://", "ws://", 1)
	alice, _, _ := websocket.DefaultDialer.Dial(url, nil)
	bob, _, _ := websocket.DefaultDialer.Dial(url, nil)
	defer alice.Close()
	defer bob.Close()
	alice.ReadMessage() // welcome: alice is in the room
	bob.ReadMessage()

	alice.WriteMessage(websocket.TextMessage, []byte("hello, room"))
	for _, c := range []*websocket.Conn{alice, bob} {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, msg, _ := c.ReadMessage()
		fmt.Println(string(msg))
	}
	// Output:
	// hello, room
	// hello, room
}

func ExampleParseEnvelope() {
	data, _ := broadcast.AppendEnvelope(nil, broadcast.Envelope{
		Origin:    "node-a",
		Published: time.Unix(1700000000, 0),
		Payload:   []byte("hi"),
	})
	e, err := broadcast.ParseEnvelope(data)
	fmt.Println(e.Origin, e.Published.Unix(), e.Binary, string(e.Payload), err)
	// Output: node-a 1700000000 false hi <nil>
}
