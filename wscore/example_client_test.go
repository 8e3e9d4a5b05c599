package wscore_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/wsplug/wsplug/wscore"
)

// exampleEcho is the server the examples talk to.
type exampleEcho struct{ wscore.BaseServerProtocol }

func (exampleEcho) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	c.SendMessage(payload, isBinary)
}

// startExampleServer serves an echo route with subprotocol "chat" and
// returns its ws:// URL and a function that stops it.
func startExampleServer() (string, func()) {
	srv := wscore.MustNewServer(func() wscore.ServerProtocol { return exampleEcho{} },
		wscore.Options{Subprotocols: []string{"chat"}})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/private" {
			http.Error(w, "token required", http.StatusForbidden)
			return
		}
		srv.Upgrade(w, r)
	}))
	return "ws" + strings.TrimPrefix(hs.URL, "http") + "/", func() {
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}
}

// printer prints what it receives and closes after the first message.
type printer struct{ wscore.BaseClientProtocol }

func (printer) OnConnect(resp *wscore.ConnectionResponse) error {
	fmt.Printf("subprotocol: %q\n", resp.Subprotocol)
	return nil
}

func (printer) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	fmt.Printf("received: %s\n", payload)
	c.SendClose(wscore.CloseNormal, "thanks")
}

func (printer) OnClose(c *wscore.Conn, wasClean bool, code int, reason string) {
	fmt.Println("closed cleanly:", wasClean, "code:", code)
}

func ExampleDial() {
	url, stop := startExampleServer()
	defer stop()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := wscore.Dial(ctx, url, func() wscore.ClientProtocol { return printer{} },
		&wscore.ClientOptions{Subprotocols: []string{"chat"}})
	if err != nil {
		fmt.Println("dial:", err)
		return
	}
	c.SendMessage([]byte("Hello, world!"), false)
	<-c.Done() // OnClose has returned
	// Output:
	// subprotocol: "chat"
	// received: Hello, world!
	// closed cleanly: true code: 1000
}

// hello sends a message when the connection opens.
type hello struct{ printer }

func (hello) OnOpen(c *wscore.Conn) { c.SendMessage([]byte("hi"), false) }

func ExampleDialAndServe() {
	url, stop := startExampleServer()
	defer stop()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := wscore.DialAndServe(ctx, url, func() wscore.ClientProtocol { return hello{} }, nil)
	fmt.Printf("%+v %v\n", st, err)
	// Output:
	// subprotocol: ""
	// received: hi
	// closed cleanly: true code: 1000
	// {WasClean:true Code:1000 Reason:} <nil>
}

func ExampleHandshakeError() {
	url, stop := startExampleServer()
	defer stop()

	_, err := wscore.Dial(context.Background(), url+"private", func() wscore.ClientProtocol { return printer{} }, nil)
	var he *wscore.HandshakeError
	if errors.As(err, &he) && errors.Is(err, wscore.ErrBadStatus) {
		fmt.Printf("status %d, body %q\n", he.Status, he.Body)
	}
	// Output:
	// status 403, body "token required\n"
}
