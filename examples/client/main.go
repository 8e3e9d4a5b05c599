package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/wsplug/wsplug/wscore"
)

const hello = "Hello, world!"

// helloProtocol is Autobahn's example client protocol in Go.
type helloProtocol struct {
	wscore.BaseClientProtocol
	echoed bool
}

func (p *helloProtocol) OnConnect(resp *wscore.ConnectionResponse) error {
	fmt.Printf("Server connected: %s\n", resp.Peer)
	return nil
}

func (p *helloProtocol) OnOpen(c *wscore.Conn) {
	fmt.Println("WebSocket connection open.")
	if err := c.SendMessage([]byte(hello), false); err != nil {
		fmt.Fprintln(os.Stderr, "client: send:", err)
	}
}

func (p *helloProtocol) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	if isBinary {
		fmt.Printf("Binary message received: %d bytes\n", len(payload))
		return
	}
	fmt.Printf("Text message received: %s\n", payload)
	if string(payload) == hello && !p.echoed {
		p.echoed = true
		c.SendClose(wscore.CloseNormal, "")
	}
}

func (p *helloProtocol) OnClose(c *wscore.Conn, wasClean bool, code int, reason string) {
	fmt.Printf("WebSocket connection closed: clean=%v code=%d reason=%q\n", wasClean, code, reason)
}

func main() {
	url := flag.String("url", "ws://127.0.0.1:9000/", "WebSocket URL to connect to")
	timeout := flag.Duration("timeout", 10*time.Second, "give up after this long")
	flag.Parse()
	if err := run(*url, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
}

func run(url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	p := &helloProtocol{}
	st, err := wscore.DialAndServe(ctx, url, func() wscore.ClientProtocol { return p }, nil)
	switch {
	case err != nil:
		return err
	case !p.echoed && ctx.Err() != nil:
		return fmt.Errorf("no echo within %v", timeout)
	case !p.echoed:
		return fmt.Errorf("connection closed before the echo arrived (code %d: %s)", st.Code, st.Reason)
	case !st.WasClean:
		return errors.New("connection did not close cleanly: " + st.Reason)
	}
	return nil
}
