package wscore

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
)

// deflateHeld tells whether a connection holds its own compressor and a
// receive window. It reads the window, so it must run on the connection's
// reader goroutine (in a callback).
func deflateHeld(c *Conn) (compressor, window bool) {
	d := c.deflate
	d.mu.Lock()
	compressor = d.cp != nil
	d.mu.Unlock()
	return compressor, d.window != nil
}

type held struct{ compressor, window bool }

// serverProbe echoes and reports what the connection holds after each echo
// and once it has ended.
type serverProbe struct {
	BaseServerProtocol
	after chan held
	ended chan held
}

func (p *serverProbe) OnMessage(c *Conn, payload []byte, isBinary bool) {
	c.SendMessage(payload, isBinary)
	cp, w := deflateHeld(c)
	p.after <- held{cp, w}
}

func (p *serverProbe) OnClose(c *Conn, wasClean bool, code int, reason string) {
	cp, w := deflateHeld(c)
	p.ended <- held{cp, w}
}

// clientProbe reports what the client connection holds on each echo.
type clientProbe struct {
	BaseClientProtocol
	after chan held
	ended chan held
}

func (p *clientProbe) OnMessage(c *Conn, payload []byte, isBinary bool) {
	cp, w := deflateHeld(c)
	p.after <- held{cp, w}
}

func (p *clientProbe) OnClose(c *Conn, wasClean bool, code int, reason string) {
	cp, w := deflateHeld(c)
	p.ended <- held{cp, w}
}

// Without context takeover in a direction, the sender borrows a pooled
// compressor per message and the receiver keeps no window: after traffic
// the connection holds neither. With takeover both are kept until the
// connection ends, and released then.
func TestDeflateStateHeldOnlyWithTakeover(t *testing.T) {
	cases := []struct {
		name           string
		accept         func([]DeflateOffer) *DeflateResponse
		server, client held // after traffic
	}{
		{"takeover both ways", DefaultDeflateAccept, held{true, true}, held{true, true}},
		{"no takeover", DeflateAcceptor{ServerNoContextTakeover: true, ClientNoContextTakeover: true}.Accept, held{}, held{}},
		{"server_no_context_takeover only", DeflateAcceptor{ServerNoContextTakeover: true}.Accept, held{false, true}, held{true, false}},
		{"client_no_context_takeover only", DeflateAcceptor{ClientNoContextTakeover: true}.Accept, held{true, false}, held{false, true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sp := &serverProbe{after: make(chan held, 8), ended: make(chan held, 1)}
			s, err := NewServer(func() ServerProtocol { return sp }, Options{PerMessageCompressionAccept: tc.accept})
			if err != nil {
				t.Fatal(err)
			}
			ts := serve(t, s, nil)
			cp := &clientProbe{after: make(chan held, 8), ended: make(chan held, 1)}
			c, err := Dial(t.Context(), ts.URL, func() ClientProtocol { return cp }, &ClientOptions{PerMessageCompressionOffers: browserLikeOffer})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			msg := []byte(strings.Repeat("compressible, context or not; ", 400))
			for i := 0; i < 3; i++ {
				if err := c.SendMessage(msg, false); err != nil {
					t.Fatal(err)
				}
				for _, side := range []struct {
					name string
					ch   chan held
					want held
				}{{"server", sp.after, tc.server}, {"client", cp.after, tc.client}} {
					select {
					case got := <-side.ch:
						if got != side.want {
							t.Fatalf("message %d: %s holds compressor %v, window %v; want %v, %v", i, side.name, got.compressor, got.window, side.want.compressor, side.want.window)
						}
					case <-time.After(10 * time.Second):
						t.Fatalf("no echo")
					}
				}
			}
			c.SendClose(CloseNormal, "")
			for _, ch := range []chan held{sp.ended, cp.ended} {
				select {
				case got := <-ch:
					if got != (held{}) {
						t.Fatalf("an ended connection still holds compressor %v, window %v", got.compressor, got.window)
					}
				case <-time.After(10 * time.Second):
					t.Fatal("no OnClose")
				}
			}
		})
	}
}

// ServerConnectionDropTimeout: 0 is 1 s, -1 waits for the server's drop
// without a limit (until the application closes the connection).
func TestClientServerConnectionDropTimeoutDefaults(t *testing.T) {
	if DefaultServerConnectionDropTimeout != time.Second {
		t.Fatalf("DefaultServerConnectionDropTimeout %v", DefaultServerConnectionDropTimeout)
	}
	if d := (&ClientOptions{}).clientConfig().dropTimeout; d != time.Second {
		t.Fatalf("default drop timeout %v", d)
	}
	if d := (&ClientOptions{ServerConnectionDropTimeout: Unlimited}).clientConfig().dropTimeout; d != 0 {
		t.Fatalf("drop timeout for -1: %v, want 0 (no deadline)", d)
	}

	release := make(chan struct{})
	rs := startRawServer(t, func(conn net.Conn, br *bufio.Reader, req *http.Request) {
		conn.Write([]byte(response101(req)))
		fc := frameConn(conn, br)
		if f, err := fc.ReadFrame(5 * time.Second); err == nil && f.Op == wstest.OpClose {
			fc.WriteFrame(wstest.CloseFrame(CloseNormal, ""))
		}
		holdUntil(release) // never drops TCP
	})
	t.Cleanup(func() { close(release) })

	t.Run("default", func(t *testing.T) {
		t.Parallel()
		p := newRecClient()
		c := dialT(t, rs.URL, p, nil)
		<-p.opened
		start := time.Now()
		c.SendClose(CloseNormal, "")
		ci := p.nextClose(t, 5*time.Second)
		if d := time.Since(start); d < 900*time.Millisecond || d > 3*time.Second {
			t.Fatalf("OnClose %v after the close, want about 1s", d)
		}
		if !ci.wasClean {
			t.Fatalf("OnClose %+v", ci)
		}
	})
	t.Run("unlimited", func(t *testing.T) {
		t.Parallel()
		p := newRecClient()
		c := dialT(t, rs.URL, p, &ClientOptions{ServerConnectionDropTimeout: Unlimited})
		<-p.opened
		c.SendClose(CloseNormal, "")
		select {
		case ci := <-p.closed:
			t.Fatalf("OnClose %+v although the server keeps TCP open", ci)
		case <-time.After(1500 * time.Millisecond):
		}
		c.Close()
		p.nextClose(t, 5*time.Second)
	})
}

// With compression negotiated, ConnectionResponse.Extensions (in OnConnect
// and from Conn.Response) holds the server's answer, parsed.
func TestClientResponseExtensions(t *testing.T) {
	ss := startScriptServer(t, Options{PerMessageCompressionAccept: DeflateAcceptor{ClientMaxWindowBits: 10, ServerNoContextTakeover: true}.Accept}, nil)
	p := newRecClient()
	c := dialT(t, ss.URL, p, &ClientOptions{PerMessageCompressionOffers: browserLikeOffer})
	resp := <-p.resp
	want := []Extension{{Name: "permessage-deflate", Params: []ExtensionParam{
		{Name: "server_no_context_takeover"},
		{Name: "client_max_window_bits", Value: "10", HasValue: true},
	}}}
	for _, got := range [][]Extension{resp.Extensions, c.Response().Extensions} {
		if len(got) != 1 || got[0].Name != want[0].Name || len(got[0].Params) != 2 ||
			got[0].Params[0] != want[0].Params[0] || got[0].Params[1] != want[0].Params[1] {
			t.Fatalf("Extensions %+v, want %+v", got, want)
		}
	}
	if c.Extensions() != "permessage-deflate; server_no_context_takeover; client_max_window_bits=10" {
		t.Fatalf("Conn.Extensions %q", c.Extensions())
	}
	if c.deflate == nil || c.deflate.sendBits != 10 || !c.deflate.recvNoTakeover {
		t.Fatalf("deflate state %+v", c.deflate)
	}

	// Without compression: none.
	p = newRecClient()
	c = dialT(t, ss.URL, p, nil)
	if resp := <-p.resp; len(resp.Extensions) != 0 || c.Extensions() != "" {
		t.Fatalf("Extensions %+v %q without an offer", resp.Extensions, c.Extensions())
	}
}

// deflateWireFrames is wireFrames against a raw server that accepts
// permessage-deflate (takeover both ways) from a client offering it.
func deflateWireFrames(t *testing.T, n int, opts *ClientOptions, send func(c *Conn)) []wstest.Frame {
	t.Helper()
	o := *opts
	o.PerMessageCompressionOffers = browserLikeOffer
	return wireFramesWith(t, n, &o, []string{"Sec-WebSocket-Extensions: permessage-deflate"}, func(c *Conn) {
		if c.deflate == nil {
			t.Fatal("compression not negotiated")
		}
		send(c)
	})
}

// ClientOptions.CompressionThreshold: shorter messages go uncompressed. A
// NextWriter message is never compressed (documented), SendMessage's are.
func TestClientCompressionThresholdAndStreams(t *testing.T) {
	short := bytes.Repeat([]byte("a"), 99)
	long := bytes.Repeat([]byte("a"), 100)
	streamed := bytes.Repeat([]byte("streamed, never compressed "), 400)
	frames := deflateWireFrames(t, 6, &ClientOptions{CompressionThreshold: 100, AutoFragmentSize: 4096}, func(c *Conn) {
		c.SendMessage(short, false)
		c.SendMessage(long, false)
		w, err := c.NextWriter(true)
		if err != nil {
			t.Error(err)
			return
		}
		w.Write(streamed) // 10800 bytes: three fragments
		w.Close()
		c.SendMessage(long, true)
	})
	var inf wstest.Inflater
	inflate := func(f wstest.Frame) []byte {
		t.Helper()
		if f.Rsv != 4 {
			t.Fatalf("frame of %d bytes (opcode %d) not compressed: RSV %d", len(f.Payload), f.Op, f.Rsv)
		}
		p, err := inf.Message(f.Payload)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if f := frames[0]; f.Rsv != 0 || !bytes.Equal(f.Payload, short) {
		t.Fatalf("99 bytes below the threshold of 100: RSV %d, %d bytes", f.Rsv, len(f.Payload))
	}
	if p := inflate(frames[1]); !bytes.Equal(p, long) {
		t.Fatalf("100 bytes inflate to %d", len(p))
	}
	var got []byte
	for i, f := range frames[2:5] {
		if f.Rsv != 0 {
			t.Fatalf("streamed fragment %d has RSV %d", i, f.Rsv)
		}
		got = append(got, f.Payload...)
	}
	if !bytes.Equal(got, streamed) || frames[2].Op != wstest.OpBinary || !frames[4].Fin {
		t.Fatalf("streamed message: %d bytes", len(got))
	}
	if p := inflate(frames[5]); !bytes.Equal(p, long) || frames[5].Op != wstest.OpBinary {
		t.Fatalf("compressed after the stream: %d bytes", len(p))
	}

	// The default threshold compresses even a short message.
	frames = deflateWireFrames(t, 1, &ClientOptions{}, func(c *Conn) { c.SendMessage(short, false) })
	if frames[0].Rsv != 4 {
		t.Fatalf("default threshold: 99 bytes sent uncompressed")
	}
}

// clientReceives serves frames (raw bytes) to a client with opts and returns
// the messages it got and the close code it sent (0: none). With deflate the
// server accepts permessage-deflate.
func clientReceives(t *testing.T, opts *ClientOptions, deflate bool, frames ...[]byte) ([]recMsg, int) {
	t.Helper()
	code := make(chan int, 1)
	rs := startRawServer(t, func(conn net.Conn, br *bufio.Reader, req *http.Request) {
		if deflate {
			conn.Write([]byte(response101(req, "Sec-WebSocket-Extensions: permessage-deflate")))
		} else {
			conn.Write([]byte(response101(req)))
		}
		for _, f := range frames {
			conn.Write(f)
		}
		conn.Write(wstest.EncodeFrame(wstest.CloseFrame(CloseNormal, "")))
		fc := frameConn(conn, br)
		for {
			f, err := fc.ReadFrame(5 * time.Second)
			if err != nil {
				code <- -1
				return
			}
			if f.Op == wstest.OpClose {
				c, _ := wstest.CloseCode(f.Payload)
				code <- c
				return
			}
		}
	})
	o := ClientOptions{}
	if opts != nil {
		o = *opts
	}
	if deflate {
		o.PerMessageCompressionOffers = browserLikeOffer
	}
	p := newRecClient()
	dialT(t, rs.URL, p, &o)
	got := <-code
	p.nextClose(t, 5*time.Second)
	var msgs []recMsg
	for {
		select {
		case m := <-p.msgs:
			msgs = append(msgs, m)
		default:
			return msgs, got
		}
	}
}

// The client's UTF-8 validation and size limits.
func TestClientUTF8AndSizeLimits(t *testing.T) {
	badUTF8 := []byte{0xce, 0xba, 0xed, 0xa0, 0x80}
	frame := func(fin bool, op byte, p []byte) []byte {
		return wstest.EncodeFrame(wstest.Frame{Fin: fin, Op: op, Payload: p})
	}
	bomb := bytes.Repeat([]byte{0}, 100_000)
	z, err := compressAlone(nil, bomb, 15)
	if err != nil {
		t.Fatal(err)
	}
	compressed := wstest.EncodeFrame(wstest.Frame{Fin: true, Rsv: 4, Op: wstest.OpBinary, Payload: z})

	cases := []struct {
		name     string
		opts     *ClientOptions
		deflate  bool
		frames   [][]byte
		want     []byte // the message the client must get; nil: none
		wantCode int
	}{
		{"invalid UTF-8 refused", nil, false, [][]byte{frame(true, wstest.OpText, badUTF8)}, nil, CloseInvalidPayload},
		{"invalid UTF-8 fragmented refused", nil, false, [][]byte{frame(false, wstest.OpText, badUTF8[:3]), frame(true, wstest.OpContinuation, badUTF8[3:])}, nil, CloseInvalidPayload},
		{"DisableUTF8Validation", &ClientOptions{DisableUTF8Validation: true}, false, [][]byte{frame(true, wstest.OpText, badUTF8)}, badUTF8, CloseNormal},
		{"MaxFramePayloadSize exceeded", &ClientOptions{MaxFramePayloadSize: 1000}, false, [][]byte{frame(true, wstest.OpBinary, make([]byte, 1001))}, nil, CloseMessageTooBig},
		{"MaxFramePayloadSize per frame", &ClientOptions{MaxFramePayloadSize: 1000}, false, [][]byte{
			frame(false, wstest.OpBinary, make([]byte, 1000)), frame(false, wstest.OpContinuation, make([]byte, 1000)), frame(true, wstest.OpContinuation, make([]byte, 1000))}, make([]byte, 3000), CloseNormal},
		{"MaxMessagePayloadSize over fragments", &ClientOptions{MaxMessagePayloadSize: 1000}, false, [][]byte{
			frame(false, wstest.OpBinary, make([]byte, 600)), frame(true, wstest.OpContinuation, make([]byte, 600))}, nil, CloseMessageTooBig},
		{"MaxMessagePayloadSize exactly", &ClientOptions{MaxMessagePayloadSize: 1200}, false, [][]byte{
			frame(false, wstest.OpBinary, make([]byte, 600)), frame(true, wstest.OpContinuation, make([]byte, 600))}, make([]byte, 1200), CloseNormal},
		{"inflated size over MaxMessagePayloadSize", &ClientOptions{MaxMessagePayloadSize: 10_000}, true, [][]byte{compressed}, nil, CloseMessageTooBig},
		{"inflated size within MaxMessagePayloadSize", &ClientOptions{MaxMessagePayloadSize: 100_000}, true, [][]byte{compressed}, bomb, CloseNormal},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msgs, code := clientReceives(t, tc.opts, tc.deflate, tc.frames...)
			wantMsgs := 0
			if tc.want != nil {
				wantMsgs = 1
			}
			if len(msgs) != wantMsgs || code != tc.wantCode {
				t.Fatalf("client got %d messages and sent close %d; want %d and %d", len(msgs), code, wantMsgs, tc.wantCode)
			}
			if tc.want != nil && !bytes.Equal(msgs[0].payload, tc.want) {
				t.Fatalf("payload of %d bytes %.16x, want %d bytes %.16x", len(msgs[0].payload), msgs[0].payload, len(tc.want), tc.want)
			}
		})
	}
}

// Masking keys come from crypto/rand in 256-byte batches: 64 keys per read.
func TestMaskKeysBatched(t *testing.T) {
	s := newMaskKeySource()
	first := s.next()
	batch := s.buf
	if len(batch) != 256 || first != [4]byte(batch[0:4]) {
		t.Fatalf("first key %x is not the start of a %d-byte batch", first, len(batch))
	}
	for i := 1; i < 64; i++ {
		if k := s.next(); k != [4]byte(batch[4*i:4*i+4]) || s.buf != batch {
			t.Fatalf("key %d %x: not the batch's next 4 bytes, or the batch was refilled early", i, k)
		}
	}
	k := s.next() // the 65th key needs a new batch
	if s.buf == batch || k != [4]byte(s.buf[0:4]) || s.i != 4 {
		t.Fatalf("65th key %x: no new batch", k)
	}

	// A client connection draws its frames' keys from such a source (that
	// they differ is TestClientMaskKeysRandom's).
	wireFrames(t, 1, nil, func(c *Conn) {
		if c.w.keys == nil {
			t.Error("the client's writer has no key source")
		}
		c.SendMessage([]byte("x"), false)
	})
}

// A prepared message sent to compressed connections without context takeover
// at two window sizes is compressed twice, once per window, whatever the
// number of connections; each reads it correctly.
func TestPreparedMessageTwoWindows(t *testing.T) {
	opened := make(chan *Conn, 8)
	s, err := NewServer(func() ServerProtocol { return &openNotifier{opened: opened} }, Options{PerMessageCompressionAccept: DefaultDeflateAccept})
	if err != nil {
		t.Fatal(err)
	}
	ts := serve(t, s, nil)
	var clients []*recClient
	for _, bits := range []int{9, 12, 9, 12, 12, 9} {
		p := newRecClient()
		dialT(t, ts.URL, p, &ClientOptions{PerMessageCompressionOffers: []DeflateOffer{{ServerNoContextTakeover: true, ServerMaxWindowBits: bits}}})
		clients = append(clients, p)
	}
	msg := []byte(strings.Repeat("one prepared message, two windows; ", 100))
	pm := NewPreparedMessage(msg, false)
	windows := map[int]int{}
	for range clients {
		c := <-opened
		bits, shared := c.deflate.sharedWindow()
		if !shared {
			t.Fatal("connection takes over its context")
		}
		windows[bits]++
		if err := c.SendPreparedMessage(pm); err != nil {
			t.Fatal(err)
		}
	}
	if windows[9] != 3 || windows[12] != 3 {
		t.Fatalf("windows %v", windows)
	}
	if got := pm.encodeCount.Load(); got != 2 {
		t.Fatalf("%d encodings for two window sizes", got)
	}
	for _, p := range clients {
		if got := p.nextMsg(t, 5*time.Second); !bytes.Equal(got.payload, msg) {
			t.Fatalf("%d bytes", len(got.payload))
		}
	}
}
