package wscore

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	coder "github.com/coder/websocket"
	"github.com/gorilla/websocket"
)

// clientInteropSizes are the message sizes every peer exchanges with our client, in
// both text and binary; the 16 MiB round trips (text and binary) are done once
// per peer, one peer at a time.
var clientInteropSizes = []int{0, 1, 125, 126, 127, 65535, 65536, 65537, 1 << 20}

const bigMessage = 16 << 20

// runClientInterop checks our client against an echo server at url that
// chooses "superchat" from the offered subprotocols.
func runClientInterop(t *testing.T, url string) {
	p := newRecClient()
	c := dialT(t, url, p, &ClientOptions{Subprotocols: []string{"chat", "superchat"}})
	if c.Subprotocol() != "superchat" {
		t.Fatalf("subprotocol %q, want superchat", c.Subprotocol())
	}
	<-p.opened
	for _, binary := range []bool{false, true} {
		for _, n := range clientInteropSizes {
			clientRoundTrip(t, c, p, n, binary)
		}
	}
	bigMessageMu.Lock()
	clientRoundTrip(t, c, p, bigMessage, false)
	clientRoundTrip(t, c, p, bigMessage, true)
	bigMessageMu.Unlock()
	if err := c.SendClose(CloseNormal, "done"); err != nil {
		t.Fatal(err)
	}
	if ci := p.nextClose(t, 10*time.Second); !ci.wasClean || ci.code != CloseNormal {
		t.Fatalf("OnClose %+v, want a clean 1000", ci)
	}

	// Without subprotocols.
	p = newRecClient()
	c = dialT(t, url, p, nil)
	if c.Subprotocol() != "" {
		t.Fatalf("subprotocol %q without an offer", c.Subprotocol())
	}
	clientRoundTrip(t, c, p, 1000, true)
	c.SendClose(CloseNormal, "")
	p.nextClose(t, 10*time.Second)
}

// startHTTPServer serves h on loopback and waits for its handlers at the end
// of the test.
func startHTTPServer(t *testing.T, h func(w http.ResponseWriter, r *http.Request)) string {
	t.Helper()
	var wg sync.WaitGroup
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wg.Add(1)
		defer wg.Done()
		h(w, r)
	}))
	t.Cleanup(func() {
		srv.Close()
		wg.Wait()
	})
	return "ws://" + strings.TrimPrefix(srv.URL, "http://") + "/"
}

func TestClientInteropGorilla(t *testing.T) {
	up := websocket.Upgrader{Subprotocols: []string{"superchat", "chat"}}
	url := startHTTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		for {
			conn.SetReadDeadline(time.Now().Add(30 * time.Second))
			typ, msg, err := conn.ReadMessage()
			if err != nil {
				return // gorilla has answered a close frame already
			}
			if err := conn.WriteMessage(typ, msg); err != nil {
				return
			}
		}
	})
	runClientInterop(t, url)
}

func TestClientInteropCoder(t *testing.T) {
	url := startHTTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		conn, err := coder.Accept(w, r, &coder.AcceptOptions{Subprotocols: []string{"superchat", "chat"}})
		if err != nil {
			return
		}
		defer conn.CloseNow()
		conn.SetReadLimit(64 << 20)
		ctx, cancel := context.WithTimeout(r.Context(), 60*time.Second)
		defer cancel()
		for {
			typ, msg, err := conn.Read(ctx)
			if err != nil {
				return // coder has answered a close frame already
			}
			if err := conn.Write(ctx, typ, msg); err != nil {
				return
			}
		}
	})
	runClientInterop(t, url)
}

func TestClientInteropWscore(t *testing.T) {
	ss := startScriptServer(t, Options{Subprotocols: []string{"superchat", "chat"}}, nil)
	runClientInterop(t, ss.URL)
}
