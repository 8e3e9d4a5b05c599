package wscore

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/coder/websocket"
	gws "github.com/gorilla/websocket"
)

func TestSmokeDeflate(t *testing.T) {
	ts := startServer(t, Options{PerMessageCompressionAccept: DefaultDeflateAccept})
	d := gws.Dialer{EnableCompression: true}
	c, resp, err := d.Dial(ts.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(resp.Header.Get("Sec-WebSocket-Extensions"))
	defer c.Close()
	c.EnableWriteCompression(true)
	for _, n := range []int{0, 1, 100, 5000, 70000, 1 << 20} {
		msg := bytes.Repeat([]byte("hello world "), n/12+1)[:n]
		c.WriteMessage(gws.TextMessage, msg)
		_, got, err := c.ReadMessage()
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("n=%d err=%v len=%d", n, err, len(got))
		}
	}
	c.WriteMessage(gws.CloseMessage, gws.FormatCloseMessage(1000, ""))
	c.ReadMessage()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cc, resp2, err := websocket.Dial(ctx, ts.URL, &websocket.DialOptions{CompressionMode: websocket.CompressionContextTakeover})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(resp2.Header.Get("Sec-WebSocket-Extensions"))
	cc.SetReadLimit(-1)
	for i := 0; i < 5; i++ {
		for _, n := range []int{0, 1, 100, 5000, 70000, 1 << 20} {
			msg := bytes.Repeat([]byte("hello world "), n/12+1)[:n]
			cc.Write(ctx, websocket.MessageBinary, msg)
			_, got, err := cc.Read(ctx)
			if err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("n=%d err=%v len=%d", n, err, len(got))
			}
		}
	}
	cc.Close(1000, "")
}
