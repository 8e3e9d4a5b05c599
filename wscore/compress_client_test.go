package wscore

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
)

func TestNewDeflateConnOrientation(t *testing.T) {
	r := &DeflateResponse{ServerNoContextTakeover: true, ServerMaxWindowBits: 9, ClientMaxWindowBits: 8}
	s := newDeflateConn(r, false)
	if !s.sendNoTakeover || s.recvNoTakeover || s.sendBits != 9 || s.recvWindow != 512 {
		t.Fatalf("server side %+v", s)
	}
	c := newDeflateConn(r, true)
	if c.sendNoTakeover || !c.recvNoTakeover || c.sendBits != 8 || c.recvWindow != 512 {
		t.Fatalf("client side %+v", c)
	}
	d := newDeflateConn(&DeflateResponse{}, true)
	if d.sendNoTakeover || d.recvNoTakeover || d.sendBits != 15 || d.recvWindow != 32768 {
		t.Fatalf("defaults %+v", d)
	}
}

// collector records the messages a client connection receives.
type collector struct {
	BaseServerProtocol
	got    chan []byte
	closed chan struct{}
}

func (p *collector) OnMessage(c *Conn, payload []byte, isBinary bool) { p.got <- payload }
func (p *collector) OnClose(*Conn, bool, int, string)                 { close(p.closed) }

// TestDeflateClientSideConn plays what Dial does with compression: offers
// from DeflateOfferHeader, the server's answer through CheckDeflateResponse,
// then a client-side Conn with newDeflateConn(..., true), which compresses
// and masks its messages and inflates the server's, against a wscore server,
// for several offers.
func TestDeflateClientSideConn(t *testing.T) {
	cases := []struct {
		offers []DeflateOffer
		accept DeflateAcceptor
	}{
		{[]DeflateOffer{{ClientMaxWindowBits: -1}}, DeflateAcceptor{}},
		{[]DeflateOffer{{ClientMaxWindowBits: -1}}, DeflateAcceptor{ClientMaxWindowBits: 9, ServerMaxWindowBits: 10}},
		{[]DeflateOffer{{ServerNoContextTakeover: true, ClientNoContextTakeover: true}}, DeflateAcceptor{}},
		{[]DeflateOffer{{ServerMaxWindowBits: 8, ClientMaxWindowBits: 8}, {}}, DeflateAcceptor{}},
	}
	for i, tc := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			ts := deflateServer(t, tc.accept, Options{})
			nc, err := net.DialTimeout("tcp", ts.Addr, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			req := "GET / HTTP/1.1\r\nHost: " + ts.Addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
				"Sec-WebSocket-Key: " + wstest.NewKey() + "\r\nSec-WebSocket-Extensions: " + DeflateOfferHeader(tc.offers) + "\r\n\r\n"
			io.WriteString(nc, req)
			br := bufio.NewReader(nc)
			resp, err := http.ReadResponse(br, nil)
			if err != nil || resp.StatusCode != 101 {
				t.Fatalf("handshake: %v %v", resp, err)
			}
			eff, err := CheckDeflateResponse(resp.Header, tc.offers, nil)
			if err != nil || eff == nil {
				t.Fatalf("response %q: %v", resp.Header.Get("Sec-Websocket-Extensions"), err)
			}
			cfg := (&Options{}).serverConfig()
			cfg.client, cfg.requireMasked, cfg.rejectMasked, cfg.maskOutgoing = true, false, true, true
			cfg.dropTimeout = time.Second
			p := &collector{got: make(chan []byte, 16), closed: make(chan struct{})}
			c := newConn(nc, &cfg, p, true)
			c.extensions = resp.Header.Get("Sec-Websocket-Extensions")
			c.deflate = newDeflateConn(eff, true)
			if n := br.Buffered(); n > 0 {
				c.adopt(br, n)
			}
			go c.run()
			for j := 0; j < 6; j++ {
				msg := windowProbe(int64(j%2), 2000+j*500)
				if err := c.SendMessage(msg, j%2 == 0); err != nil {
					t.Fatal(err)
				}
				select {
				case got := <-p.got:
					if !bytes.Equal(got, msg) {
						t.Fatalf("message %d: %d bytes back", j, len(got))
					}
				case <-time.After(5 * time.Second):
					t.Fatalf("message %d: no echo", j)
				}
			}
			c.SendClose(CloseNormal, "")
			select {
			case <-p.closed:
			case <-time.After(5 * time.Second):
				t.Fatal("client connection did not end")
			}
			if ci := ts.nextClose(t); !ci.wasClean || ci.code != 1000 {
				t.Fatalf("server OnClose %+v", ci)
			}
		})
	}
}
