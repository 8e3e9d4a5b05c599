package wscore_test

import (
	"fmt"
	"log"
	"net"
	"net/http"
	"strings"

	"github.com/gorilla/websocket"

	"github.com/wsplug/wsplug/wscore"
)

// Echo sends every message back: the whole protocol of an echo server.
type Echo struct{ wscore.BaseServerProtocol }

func (Echo) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	c.SendMessage(payload, isBinary)
}

func ExampleNewServer() {
	srv, err := wscore.NewServer(func() wscore.ServerProtocol { return Echo{} }, wscore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { srv.Upgrade(w, r) })}
	go hs.Serve(ln)
	defer hs.Close()

	// Any WebSocket client will do; here gorilla's.
	c, _, err := websocket.DefaultDialer.Dial("ws://"+ln.Addr().String()+"/", nil)
	if err != nil {
		log.Fatal(err)
	}
	c.WriteMessage(websocket.TextMessage, []byte("hello"))
	_, msg, _ := c.ReadMessage()
	fmt.Println(string(msg))
	c.Close()
	// Output: hello
}

// Chat refuses requests without a token and greets with the chosen subprotocol.
type Chat struct {
	wscore.BaseServerProtocol
	user string
}

func (p *Chat) OnConnect(req *wscore.ConnectionRequest) (wscore.Accept, error) {
	p.user = req.Query.Get("user")
	if p.user == "" {
		return wscore.Accept{}, &wscore.HTTPError{Status: http.StatusUnauthorized, Reason: "user required"}
	}
	return wscore.Accept{Header: http.Header{"Set-Cookie": {"seen=1; HttpOnly"}}}, nil
}

func (p *Chat) OnOpen(c *wscore.Conn) {
	c.SendMessage([]byte("welcome "+p.user+" ("+c.Subprotocol()+")"), false)
}

func ExampleServerProtocol() {
	srv := wscore.MustNewServer(func() wscore.ServerProtocol { return &Chat{} }, wscore.Options{Subprotocols: []string{"chat.v2", "chat.v1"}})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { srv.Upgrade(w, r) })}
	go hs.Serve(ln)
	defer hs.Close()
	url := "ws://" + ln.Addr().String() + "/"

	_, resp, err := websocket.DefaultDialer.Dial(url, nil)
	fmt.Println(resp.StatusCode, err)

	d := websocket.Dialer{Subprotocols: []string{"chat.v1", "chat.v2"}}
	c, resp, _ := d.Dial(url+"?user=ada", nil)
	_, msg, _ := c.ReadMessage()
	fmt.Println(string(msg), strings.Split(resp.Header.Get("Set-Cookie"), ";")[0])
	c.Close()
	// Output:
	// 401 websocket: bad handshake
	// welcome ada (chat.v2) seen=1
}

func ExampleAcceptKey() {
	fmt.Println(wscore.AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="))
	// Output: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
}

func ExampleOptions_Validate() {
	err := (&wscore.Options{AutoPingSize: 200}).Validate()
	fmt.Println(err)
	// Output: wscore: Options.AutoPingSize: 200: allowed 4 to 125 (0 for the default, 4)
}
