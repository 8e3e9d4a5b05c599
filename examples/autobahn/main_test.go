package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*workerPool).Start.func2"),
	)
}

// TestFrameworks starts the server behind each adapter on a free port, as
// "-addr 127.0.0.1:0 -framework X" would, and echoes through it.
func TestFrameworks(t *testing.T) {
	for _, fw := range frameworks {
		t.Run(fw, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			urls := make(chan string, 1)
			done := make(chan error, 1)
			go func() { done <- run(ctx, fw, "127.0.0.1:0", func(u string) { urls <- u }) }()
			var url string
			select {
			case url = <-urls:
			case err := <-done:
				t.Fatal(err)
			case <-time.After(5 * time.Second):
				t.Fatal("no URL printed")
			}
			// The testsuite's sections 12 and 13 need permessage-deflate:
			// the server accepts gorilla's offer.
			d := websocket.Dialer{EnableCompression: true, HandshakeTimeout: 5 * time.Second}
			c, resp, err := d.Dial(url, nil)
			if err != nil {
				t.Fatal(err)
			}
			if ext := resp.Header.Get("Sec-WebSocket-Extensions"); !strings.HasPrefix(ext, "permessage-deflate") {
				t.Fatalf("%s: compression not negotiated (%q)", fw, ext)
			}
			msg := bytes.Repeat([]byte{7}, 1<<20)
			c.WriteMessage(websocket.BinaryMessage, msg)
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if typ, got, err := c.ReadMessage(); err != nil || typ != websocket.BinaryMessage || !bytes.Equal(got, msg) {
				t.Fatalf("echo: %d %d bytes %v", typ, len(got), err)
			}
			cancel() // shuts down with the connection open: it gets 1001
			if _, _, err := c.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseGoingAway) {
				t.Errorf("on shutdown: %v, want 1001", err)
			}
			c.Close()
			if err := <-done; err != nil {
				t.Errorf("run: %v", err)
			}
		})
	}
	if err := run(context.Background(), "nope", "127.0.0.1:0", func(string) {}); err == nil {
		t.Error("unknown framework: no error")
	}
}
