package wscore_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsplug/wsplug/wscore"
)

// Broadcast: the frame of a prepared message is built once and written to
// every connection (Server.Conns lists the open ones).
func ExampleNewPreparedMessage() {
	srv := wscore.MustNewServer(func() wscore.ServerProtocol { return wscore.BaseServerProtocol{} }, wscore.Options{})
	ts := httptest.NewServer(upgrader(srv))
	defer ts.Close()
	defer srv.Shutdown(context.Background())

	var clients []*websocket.Conn
	for range 3 {
		c, _, err := websocket.DefaultDialer.Dial(wsURL(ts.URL), nil)
		if err != nil {
			panic(err)
		}
		defer c.Close()
		clients = append(clients, c)
	}
	waitOpen(srv, 3)

	pm := wscore.NewPreparedMessage([]byte("news for everyone"), false)
	for _, c := range srv.Conns() {
		c.SendPreparedMessage(pm)
	}
	for _, c := range clients {
		_, msg, _ := c.ReadMessage()
		fmt.Println(string(msg))
	}
	// Output:
	// news for everyone
	// news for everyone
	// news for everyone
}

// report streams a large report when the connection opens: NextWriter sends
// what is written as fragments, so the whole message is never in memory.
type report struct{ wscore.BaseServerProtocol }

func (report) OnOpen(c *wscore.Conn) {
	w, err := c.NextWriter(false)
	if err != nil {
		return
	}
	for i := range 10000 {
		fmt.Fprintf(w, "line %05d\n", i)
	}
	w.Close() // sends the final fragment; must be called
}

func ExampleConn_NextWriter() {
	srv := wscore.MustNewServer(func() wscore.ServerProtocol { return report{} }, wscore.Options{AutoFragmentSize: 16 << 10})
	ts := httptest.NewServer(upgrader(srv))
	defer ts.Close()
	defer srv.Shutdown(context.Background())

	c, _, err := websocket.DefaultDialer.Dial(wsURL(ts.URL), nil)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	_, r, _ := c.NextReader() // one message, however many frames
	msg, _ := io.ReadAll(r)
	fmt.Println(len(msg), "bytes,", strings.Count(string(msg), "\n"), "lines")
	// Output: 110000 bytes, 10000 lines
}

// Serve runs a route on a listener of its own, without net/http: the
// leanest way to a WebSocket-only port.
func ExampleServer_Serve() {
	srv := wscore.MustNewServer(func() wscore.ServerProtocol { return Echo{} }, wscore.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())
	defer ln.Close()

	c, _, err := websocket.DefaultDialer.Dial("ws://"+ln.Addr().String()+"/", nil)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	c.WriteMessage(websocket.TextMessage, []byte("no framework needed"))
	_, msg, _ := c.ReadMessage()
	fmt.Println(string(msg))
	// Output: no framework needed
}

// Shutdown closes every connection of the route with 1001 and waits for
// them; http.Server.Shutdown does not know hijacked connections.
func ExampleServer_Shutdown() {
	srv := wscore.MustNewServer(func() wscore.ServerProtocol { return Echo{} }, wscore.Options{})
	ts := httptest.NewServer(upgrader(srv))
	defer ts.Close()

	c, _, err := websocket.DefaultDialer.Dial(wsURL(ts.URL), nil)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	go func() { // a client reads, so it answers the close frame
		_, _, err := c.ReadMessage()
		fmt.Println(err)
		c.Close()
	}()
	waitOpen(srv, 1)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	fmt.Println("Shutdown:", srv.Shutdown(ctx), "open:", srv.Stats().Open)
	// Output:
	// websocket: close 1001 (going away): server shutting down
	// Shutdown: <nil> open: 0
}

// A client offers permessage-deflate as browsers do; the server's answer is
// checked against the offer and the connection compresses both ways.
func ExampleClientOptions() {
	srv := wscore.MustNewServer(func() wscore.ServerProtocol { return Echo{} },
		wscore.Options{PerMessageCompressionAccept: wscore.DefaultDeflateAccept})
	ts := httptest.NewServer(upgrader(srv))
	defer ts.Close()
	defer srv.Shutdown(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got := make(chan string, 1)
	c, err := wscore.Dial(ctx, wsURL(ts.URL), func() wscore.ClientProtocol { return collector(got) },
		&wscore.ClientOptions{
			PerMessageCompressionOffers: []wscore.DeflateOffer{{ClientMaxWindowBits: -1}},
		})
	if err != nil {
		panic(err)
	}
	fmt.Println(c.Extensions())
	c.SendMessage([]byte(strings.Repeat("compressible ", 100)), false)
	fmt.Println(len(<-got))
	c.SendClose(wscore.CloseNormal, "")
	<-c.Done()
	// Output:
	// permessage-deflate
	// 1300
}

// collector is a client protocol that hands every message to a channel.
type collector chan string

func (collector) OnConnect(*wscore.ConnectionResponse) error { return nil }
func (collector) OnOpen(*wscore.Conn)                        {}
func (p collector) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	p <- string(payload)
}
func (collector) OnClose(*wscore.Conn, bool, int, string) {}
