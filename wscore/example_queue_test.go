package wscore_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/gorilla/websocket"

	"github.com/wsplug/wsplug/wscore"
)

// fastEcho answers every message with QueueMessage, so the answers to
// messages that arrived together share one write, and hands the payload
// back, so the next message is read into the same memory.
type fastEcho struct{ wscore.BaseServerProtocol }

func (fastEcho) OnMessage(c *wscore.Conn, msg []byte, isBinary bool) {
	c.QueueMessage(msg, isBinary) // copied (or written) before it returns
	wscore.ReleasePayload(msg)    // msg must not be used after this
}

// The fast path for answering messages: QueueMessage and ReleasePayload.
func ExampleConn_QueueMessage() {
	srv := wscore.MustNewServer(func() wscore.ServerProtocol { return fastEcho{} }, wscore.Options{})
	ts := httptest.NewServer(upgrader(srv))
	defer ts.Close()
	defer srv.Shutdown(context.Background())

	c, _, err := websocket.DefaultDialer.Dial(wsURL(ts.URL), nil)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	for i := range 3 { // three requests at once
		c.WriteMessage(websocket.TextMessage, fmt.Appendf(nil, "request %d", i))
	}
	for range 3 {
		_, msg, _ := c.ReadMessage()
		fmt.Println(string(msg))
	}
	// Output:
	// request 0
	// request 1
	// request 2
}
