package wscore

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/klauspost/compress/flate"
	"github.com/wsplug/wsplug/internal/wstest"
)

// FuzzDeflateNegotiation parses arbitrary Sec-WebSocket-Extensions offers and
// answers, runs the server's choice and the client's check on them, and
// holds them to RFC 7692: every offer kept renders and parses back to itself,
// every answer the acceptors give is one the client accepts, and whatever the
// client accepts answers one of its offers.
func FuzzDeflateNegotiation(f *testing.F) {
	f.Add("permessage-deflate; client_max_window_bits", "permessage-deflate", uint8(0), uint8(0), uint8(0))
	f.Add("permessage-deflate; server_no_context_takeover; server_max_window_bits=8, permessage-deflate", "permessage-deflate; server_no_context_takeover; server_max_window_bits=8", uint8(1), uint8(9), uint8(10))
	f.Add(`permessage-deflate; client_max_window_bits="10"; client_no_context_takeover, x-foo; a=b`, "permessage-deflate; client_max_window_bits=9", uint8(2), uint8(15), uint8(8))
	f.Add("permessage-deflate; foo, permessage-deflate; server_max_window_bits=08", "permessage-deflate; server_max_window_bits", uint8(3), uint8(0), uint8(12))
	f.Add("PERMESSAGE-DEFLATE;SERVER_MAX_WINDOW_BITS=15", "permessage-deflate, permessage-deflate", uint8(0), uint8(16), uint8(7))
	f.Fuzz(func(t *testing.T, offerHdr, respHdr string, flags, sbits, cbits uint8) {
		exts, err := ParseExtensions(http.Header{"Sec-Websocket-Extensions": {offerHdr}})
		if err != nil {
			return // a 400 in the handshake
		}
		offers := DeflateOffers(exts)
		for _, o := range offers {
			if err := o.Validate(); err != nil {
				t.Fatalf("kept an invalid offer %+v: %v", o, err)
			}
			back, err := ParseExtensions(http.Header{"Sec-Websocket-Extensions": {o.String()}})
			if err != nil || len(back) != 1 {
				t.Fatalf("offer %q does not parse back: %v", o, err)
			}
			if again, err := ParseDeflateOffer(back[0]); err != nil || again != o {
				t.Fatalf("offer %+v renders to %q, parses back to %+v, %v", o, o, again, err)
			}
		}
		acceptors := []func([]DeflateOffer) *DeflateResponse{
			DefaultDeflateAccept,
			DeflateAcceptor{
				ServerNoContextTakeover: flags&1 != 0,
				ClientNoContextTakeover: flags&2 != 0,
				ServerMaxWindowBits:     int(sbits % 16),
				ClientMaxWindowBits:     int(cbits % 16),
			}.Accept,
		}
		for i, accept := range acceptors {
			r := accept(offers)
			if len(offers) == 0 {
				if r != nil {
					t.Fatalf("acceptor %d answered %+v to no offer", i, r)
				}
				continue
			}
			if r == nil {
				t.Fatalf("acceptor %d declined valid offers %v", i, offers)
			}
			if i == 1 && ((sbits%16 != 0 && sbits%16 < 8) || (cbits%16 != 0 && cbits%16 < 8)) {
				continue // an invalid acceptor: the engine declines its answer (checked below)
			}
			if err := offers[0].Answers(*r); err != nil {
				t.Fatalf("acceptor %d answered %q to %q: %v", i, r, offers[0], err)
			}
			got, err := CheckDeflateResponse(http.Header{"Sec-Websocket-Extensions": {r.String()}}, offers, nil)
			if err != nil || got == nil {
				t.Fatalf("client refused %q for offers %v: %v", r, offers, err)
			}
		}
		// An arbitrary answer: accepted only when it answers one of the offers.
		got, err := CheckDeflateResponse(http.Header{"Sec-Websocket-Extensions": {respHdr}}, offers, nil)
		if err != nil {
			if _, ok := err.(*ExtensionResponseError); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		if got == nil {
			return
		}
		if err := got.Validate(); err != nil {
			t.Fatalf("accepted %q as invalid parameters %+v", respHdr, got)
		}
		matched := false
		for _, o := range offers {
			if o.Answers(*got) == nil {
				matched = true
			}
		}
		if !matched {
			t.Fatalf("accepted %q (%+v) answering none of %v", respHdr, got, offers)
		}
	})
}

// FuzzInflate feeds arbitrary bytes to the inflater as one or two messages
// (the second with the first's window when takeover is on). It must never
// panic, never return more than the limit, never hand out invalid text, and
// agree with the independent decoder of wstest whenever both decode.
func FuzzInflate(f *testing.F) {
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, 5)
	for _, s := range []string{"", "hello", strings.Repeat("abcabcabc", 200), "κόσμε"} {
		buf.Reset()
		fw.Reset(&buf)
		fw.Write([]byte(s))
		fw.Flush()
		z := bytes.TrimSuffix(buf.Bytes(), []byte{0, 0, 0xff, 0xff})
		f.Add(bytes.Clone(z), bytes.Clone(z), true, uint16(100))
	}
	buf.Reset()
	fw.Reset(&buf)
	fw.Write(make([]byte, 1<<20))
	fw.Close()
	f.Add(buf.Bytes(), []byte{0x00}, false, uint16(1000)) // a bomb with a final block
	f.Add([]byte{0x07}, []byte{}, false, uint16(0))
	f.Add([]byte{0x02, 0x00}, []byte{0xff}, true, uint16(10))
	f.Fuzz(func(t *testing.T, z1, z2 []byte, text bool, limitSel uint16) {
		limit := int64(limitSel)*16 + 1
		cfg := (&Options{MaxMessagePayloadSize: limit}).serverConfig()
		takeover := limitSel&1 == 0
		c := &Conn{cfg: &cfg, deflate: newDeflateConn(&DeflateResponse{ClientNoContextTakeover: !takeover, ClientMaxWindowBits: 9 + int(limitSel%7)}, false)}
		var ref wstest.Inflater
		for _, z := range [][]byte{z1, z2} {
			c.utf8.reset()
			out, err := c.inflate(bytes.Clone(z), text)
			if int64(len(out)) > limit {
				t.Fatalf("%d bytes out with a limit of %d", len(out), limit)
			}
			if err != nil {
				if _, ok := err.(*protocolError); !ok {
					t.Fatalf("error of type %T: %v", err, err)
				}
				return // the connection would be failed
			}
			if text && !utf8.Valid(out) {
				t.Fatalf("invalid text out: %q", out)
			}
			if !takeover {
				ref.Reset()
			}
			if len(z) == 0 {
				continue
			}
			want, rerr := ref.Message(z)
			if rerr == nil && !bytes.Equal(out, want) {
				t.Fatalf("inflate gave %q, the reference decoder %q", out, want)
			}
			if rerr != nil {
				return // the reference stops where the engine was lenient
			}
		}
		c.deflate.release()
	})
}

// FuzzReadCompressedFrames feeds arbitrary client bytes to a server connection
// that negotiated permessage-deflate: RSV bits, fragmented compressed
// messages, bad compressed data, limits. The engine must never panic, never
// deliver invalid text or more than the limit, and end exactly once.
func FuzzReadCompressedFrames(f *testing.F) {
	c := &wstest.RawClient{}
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, 5)
	comp := func(s string) []byte {
		buf.Reset()
		fw.Write([]byte(s))
		fw.Flush()
		return bytes.Clone(bytes.TrimSuffix(buf.Bytes(), []byte{0, 0, 0xff, 0xff}))
	}
	z := comp(strings.Repeat("compressed text ", 30))
	seeds := [][]wstest.Frame{
		{{Fin: true, Rsv: 4, Op: wstest.OpText, Payload: z}},
		{{Fin: true, Rsv: 4, Op: wstest.OpText, Payload: comp("again, with the window")}},
		{{Rsv: 4, Op: wstest.OpBinary, Payload: z[:5]}, wstest.Ping([]byte("p")), {Fin: true, Op: wstest.OpContinuation, Payload: z[5:]}},
		{{Rsv: 4, Op: wstest.OpBinary, Payload: z[:5]}, {Fin: true, Rsv: 4, Op: wstest.OpContinuation, Payload: z[5:]}},
		{{Fin: true, Rsv: 4, Op: wstest.OpPing}},
		{{Fin: true, Rsv: 4, Op: wstest.OpText}},
		{{Fin: true, Rsv: 4, Op: wstest.OpText, Payload: comp("bad \xff utf8")}},
		{{Fin: true, Rsv: 6, Op: wstest.OpText, Payload: z}},
		{wstest.Text("plain"), {Fin: true, Rsv: 4, Op: wstest.OpText, Payload: comp("mixed")}},
	}
	for _, fs := range seeds {
		var b []byte
		for _, fr := range fs {
			b = append(b, c.EncodeFrame(fr)...)
		}
		f.Add(b, uint8(15))
	}
	f.Fuzz(func(t *testing.T, data []byte, bits uint8) {
		cfg := (&Options{MaxMessagePayloadSize: 1 << 16, CloseHandshakeTimeout: Unlimited}).serverConfig()
		cfg.logger = discardLogger
		p := &checkingProtocol{t: t}
		conn := newConn(&memConn{r: bytes.NewReader(data)}, &cfg, p, false)
		conn.deflate = newDeflateConn(&DeflateResponse{ClientMaxWindowBits: 8 + int(bits%8)}, false)
		conn.run()
		if p.closes != 1 {
			t.Fatalf("OnClose called %d times", p.closes)
		}
	})
}
