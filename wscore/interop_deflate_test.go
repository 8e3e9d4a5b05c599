package wscore

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	gorilla "github.com/gorilla/websocket"
)

// deflateSizes cover the frame-length encodings, the 32 KiB window and the
// read/write buffer sizes around them.
var deflateSizes = []int{0, 1, 2, 125, 126, 1000, 4095, 4096, 4097, 32767, 32768, 32769, 65535, 65536, 100000, 1 << 20, 4 << 20}

// sizesFor trims deflateSizes under the race detector: messages of 1 MiB and
// more go only through the default server variant, once.
func sizesFor(variant string, round int) []int {
	if !raceEnabled || (variant == "default" && round == 0) {
		return deflateSizes
	}
	var out []int
	for _, n := range deflateSizes {
		if n < 1<<20 {
			out = append(out, n)
		}
	}
	return out
}

// deflatePayload returns a compressible text (kind 0) or random bytes (kind 1).
func deflatePayload(kind, n int, seed int64) []byte {
	if kind == 0 {
		p := windowProbe(seed, n)
		return p
	}
	p := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(p)
	return p
}

// serverVariants are the server configurations every interop peer runs
// against: default acceptance, fragmentation of compressed messages, a
// threshold and a small window, and no context takeover.
var serverVariants = []struct {
	name string
	opts Options
}{
	{"default", Options{PerMessageCompressionAccept: DefaultDeflateAccept, MaxMessagePayloadSize: 8 << 20}},
	{"autofragment", Options{PerMessageCompressionAccept: DefaultDeflateAccept, AutoFragmentSize: 1000, MaxMessagePayloadSize: 8 << 20}},
	{"threshold+window", Options{PerMessageCompressionAccept: DeflateAcceptor{ServerMaxWindowBits: 9}.Accept, CompressionThreshold: 100, MaxMessagePayloadSize: 8 << 20}},
	{"no takeover", Options{PerMessageCompressionAccept: DeflateAcceptor{ServerNoContextTakeover: true, ClientNoContextTakeover: true}.Accept, MaxMessagePayloadSize: 8 << 20}},
}

// TestInteropGorillaDeflate: gorilla's client compresses without context
// takeover and requires the server not to take over either (it inflates every
// message on its own), so a server that kept its window would break here.
func TestInteropGorillaDeflate(t *testing.T) {
	for _, v := range serverVariants {
		t.Run(v.name, func(t *testing.T) {
			ts := startServer(t, v.opts)
			d := gorilla.Dialer{EnableCompression: true, HandshakeTimeout: 5 * time.Second}
			c, resp, err := d.Dial(ts.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if got := resp.Header.Get("Sec-Websocket-Extensions"); !strings.HasPrefix(got, "permessage-deflate; server_no_context_takeover; client_no_context_takeover") {
				t.Fatalf("negotiated %q", got)
			}
			c.SetReadLimit(16 << 20)
			for _, kind := range []int{0, 1} {
				for i, n := range sizesFor(v.name, 0) {
					msg := deflatePayload(kind, n, int64(i))
					typ := gorilla.TextMessage
					if kind == 1 {
						typ = gorilla.BinaryMessage
					}
					c.EnableWriteCompression(i%5 != 4) // now and then uncompressed
					c.SetWriteDeadline(time.Now().Add(deflateTimeout))
					if err := c.WriteMessage(typ, msg); err != nil {
						t.Fatal(err)
					}
					c.SetReadDeadline(time.Now().Add(deflateTimeout))
					gt, got, err := c.ReadMessage()
					if err != nil {
						t.Fatalf("kind %d size %d: %v", kind, n, err)
					}
					if gt != typ || !bytes.Equal(got, msg) {
						t.Fatalf("kind %d size %d: type %d, %d bytes back", kind, n, gt, len(got))
					}
				}
			}
			c.WriteMessage(gorilla.CloseMessage, gorilla.FormatCloseMessage(1000, ""))
			if _, _, err := c.ReadMessage(); !gorilla.IsCloseError(err, 1000) {
				t.Fatalf("close: %v", err)
			}
			if ci := ts.nextClose(t); !ci.wasClean || ci.code != 1000 {
				t.Fatalf("OnClose %+v", ci)
			}
		})
	}
}

// TestInteropCoderDeflate: coder/websocket's client in both of its modes;
// with CompressionContextTakeover both sides keep their windows across
// messages, which only works if each side's window matches the other's.
func TestInteropCoderDeflate(t *testing.T) {
	for _, mode := range []websocket.CompressionMode{websocket.CompressionContextTakeover, websocket.CompressionNoContextTakeover} {
		for _, v := range serverVariants {
			t.Run(fmt.Sprintf("mode=%d/%s", mode, v.name), func(t *testing.T) {
				ts := startServer(t, v.opts)
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				defer cancel()
				c, resp, err := websocket.Dial(ctx, ts.URL, &websocket.DialOptions{CompressionMode: mode, CompressionThreshold: 1})
				if err != nil {
					t.Fatal(err)
				}
				defer c.CloseNow()
				// coder offers permessage-deflate in both modes; in its
				// takeover mode it asks for no *_no_context_takeover, so only
				// a server that imposes it ("no takeover") answers with one;
				// in its no-takeover mode it asks for both and gets them.
				ext := resp.Header.Get("Sec-Websocket-Extensions")
				t.Logf("negotiated %q", ext)
				if !strings.HasPrefix(ext, "permessage-deflate") {
					t.Fatalf("negotiated %q: permessage-deflate missing", ext)
				}
				noTakeover := mode == websocket.CompressionNoContextTakeover || v.name == "no takeover"
				for _, p := range []string{"server_no_context_takeover", "client_no_context_takeover"} {
					if strings.Contains(ext, p) != noTakeover {
						t.Fatalf("negotiated %q: %s present %v, want %v", ext, p, !noTakeover, noTakeover)
					}
				}
				c.SetReadLimit(16 << 20)
				for round := 0; round < 2; round++ { // the second round repeats: takeover pays
					for _, kind := range []int{0, 1} {
						for i, n := range sizesFor(v.name, round) {
							msg := deflatePayload(kind, n, int64(i))
							typ := websocket.MessageText
							if kind == 1 {
								typ = websocket.MessageBinary
							}
							if err := c.Write(ctx, typ, msg); err != nil {
								t.Fatal(err)
							}
							gt, got, err := c.Read(ctx)
							if err != nil {
								t.Fatalf("kind %d size %d: %v", kind, n, err)
							}
							if gt != typ || !bytes.Equal(got, msg) {
								t.Fatalf("kind %d size %d: type %v, %d bytes back", kind, n, gt, len(got))
							}
						}
					}
				}
				if err := c.Close(websocket.StatusNormalClosure, ""); err != nil {
					t.Fatalf("close: %v", err)
				}
				if ci := ts.nextClose(t); !ci.wasClean || ci.code != 1000 {
					t.Fatalf("OnClose %+v", ci)
				}
				// Half of the data is compressible text: both directions
				// took fewer bytes on the wire than the messages held.
				st := ts.Stats()
				in, out := ts.WireBytes()
				t.Logf("wire bytes in %d of %d, out %d of %d", in, st.BytesIn, out, st.BytesOut)
				if in == 0 || out == 0 || in >= st.BytesIn || out >= st.BytesOut {
					t.Fatalf("wire bytes in %d of %d, out %d of %d: compression saved nothing", in, st.BytesIn, out, st.BytesOut)
				}
			})
		}
	}
}
