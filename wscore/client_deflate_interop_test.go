package wscore

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	coder "github.com/coder/websocket"
	"github.com/gorilla/websocket"
)

// runClientDeflateInterop checks our compressing client against an echo
// server at url that accepts permessage-deflate and chooses "superchat" among
// the offered subprotocols: compressible and random messages of many sizes
// come back intact over a compressed connection. With big, a 16 MiB text
// and a 16 MiB binary message make the round trip too (one peer at a time:
// bigMessageMu).
func runClientDeflateInterop(t *testing.T, url string, offers []DeflateOffer, big bool) {
	t.Helper()
	p := newRecClient()
	c := dialT(t, url, p, &ClientOptions{PerMessageCompressionOffers: offers, Subprotocols: []string{"chat", "superchat"}})
	if !strings.HasPrefix(c.Extensions(), "permessage-deflate") || c.deflate == nil {
		t.Fatalf("extensions %q: compression was not negotiated", c.Extensions())
	}
	if c.Subprotocol() != "superchat" {
		t.Fatalf("subprotocol %q, want superchat", c.Subprotocol())
	}
	<-p.opened
	for _, binary := range []bool{false, true} { // text is compressible, binary random
		for _, n := range []int{0, 1, 200, 4096, 65536, 1 << 20} {
			clientRoundTrip(t, c, p, n, binary)
		}
	}
	if big {
		bigMessageMu.Lock()
		clientRoundTrip(t, c, p, bigMessage, false)
		clientRoundTrip(t, c, p, bigMessage, true)
		bigMessageMu.Unlock()
	}
	if err := c.SendClose(CloseNormal, ""); err != nil {
		t.Fatal(err)
	}
	if ci := p.nextClose(t, 10*time.Second); !ci.wasClean {
		t.Fatalf("OnClose %+v", ci)
	}
}

var browserLikeOffer = []DeflateOffer{{ClientMaxWindowBits: -1}}

func TestClientDeflateInteropWscore(t *testing.T) {
	t.Parallel()
	for i, acc := range []func([]DeflateOffer) *DeflateResponse{
		DefaultDeflateAccept, // takeover both ways
		DeflateAcceptor{ServerNoContextTakeover: true, ClientNoContextTakeover: true}.Accept,
		DeflateAcceptor{ServerMaxWindowBits: 9, ClientMaxWindowBits: 10}.Accept,
	} {
		ss := startScriptServer(t, Options{PerMessageCompressionAccept: acc, Subprotocols: []string{"superchat", "chat"}, MaxMessagePayloadSize: 64 << 20}, nil)
		runClientDeflateInterop(t, ss.URL, browserLikeOffer, i == 0)
	}
	// The first offer that fits wins; a server_max_window_bits request is honoured.
	ss := startScriptServer(t, Options{PerMessageCompressionAccept: DefaultDeflateAccept, Subprotocols: []string{"superchat", "chat"}}, nil)
	runClientDeflateInterop(t, ss.URL, []DeflateOffer{{ServerMaxWindowBits: 10, ClientNoContextTakeover: true}, {}}, false)
}

func TestClientDeflateInteropGorilla(t *testing.T) {
	t.Parallel()
	up := websocket.Upgrader{EnableCompression: true, Subprotocols: []string{"superchat", "chat"}}
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
				return
			}
			if err := conn.WriteMessage(typ, msg); err != nil {
				return
			}
		}
	})
	runClientDeflateInterop(t, url, browserLikeOffer, true)
}

func TestClientDeflateInteropCoder(t *testing.T) {
	t.Parallel()
	url := startHTTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		conn, err := coder.Accept(w, r, &coder.AcceptOptions{CompressionMode: coder.CompressionContextTakeover, Subprotocols: []string{"superchat", "chat"}})
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
				return
			}
			if err := conn.Write(ctx, typ, msg); err != nil {
				return
			}
		}
	})
	runClientDeflateInterop(t, url, browserLikeOffer, true)
}

func TestClientDeflateInteropAutobahnPython(t *testing.T) {
	url := startAutobahnEchoServer(t, "superchat,chat", "--deflate")
	runClientDeflateInterop(t, url, browserLikeOffer, true)
	runClientDeflateInterop(t, url, []DeflateOffer{{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 11, ClientMaxWindowBits: -1}}, false)
}

// The accept func may refuse a valid answer (then the handshake fails with a
// typed error), and invalid offers are refused before dialling. Answers that
// fit no offer are covered by TestCheckDeflateResponse.
func TestClientDeflateRefusals(t *testing.T) {
	t.Parallel()
	ss := startScriptServer(t, Options{PerMessageCompressionAccept: DeflateAcceptor{ClientMaxWindowBits: 9}.Accept}, nil)
	_, err := Dial(context.Background(), ss.URL, func() ClientProtocol { return newRecClient() }, &ClientOptions{
		PerMessageCompressionOffers: browserLikeOffer,
		PerMessageCompressionAccept: func(r DeflateResponse) bool { return r.ClientMaxWindowBits == 0 },
	})
	var he *HandshakeError
	if !errors.As(err, &he) || !errors.Is(err, ErrBadExtension) {
		t.Fatalf("refused response: %v, want a HandshakeError with ErrBadExtension", err)
	}
	if err := (&ClientOptions{PerMessageCompressionOffers: []DeflateOffer{{ServerMaxWindowBits: 3}}}).Validate(); err == nil || !strings.Contains(err.Error(), "PerMessageCompressionOffers") {
		t.Fatalf("invalid offer: %v", err)
	}
}
