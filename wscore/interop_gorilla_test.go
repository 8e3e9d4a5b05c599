package wscore

import (
	"bytes"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestInteropGorillaEchoSmoke(t *testing.T) {
	ts := startServer(t, Options{})
	c, _, err := websocket.DefaultDialer.Dial(ts.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for _, n := range []int{0, 1, 125, 126, 65535, 65536, 1 << 20} {
		msg := bytes.Repeat([]byte("a"), n)
		if err := c.WriteMessage(websocket.TextMessage, msg); err != nil {
			t.Fatal(err)
		}
		typ, got, err := c.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		if typ != websocket.TextMessage || !bytes.Equal(got, msg) {
			t.Fatalf("size %d: got type %d len %d", n, typ, len(got))
		}
	}
	c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(1000, "bye"))
	_, _, err = c.ReadMessage()
	if !websocket.IsCloseError(err, 1000) {
		t.Fatalf("want close 1000, got %v", err)
	}
	ci := ts.nextClose(t)
	if !ci.wasClean || ci.code != 1000 || ci.reason != "bye" {
		t.Fatalf("OnClose: %+v", ci)
	}
}
