package wscore

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
)

// scriptServer is a wscore server protocol for client tests: it echoes unless
// told otherwise and reports requests and closes.
type scriptServer struct {
	BaseServerProtocol
	reqs   chan *ConnectionRequest
	closed chan closeInfo
	msg    func(c *Conn, payload []byte, isBinary bool)
}

func (p *scriptServer) OnConnect(r *ConnectionRequest) (Accept, error) {
	select {
	case p.reqs <- r:
	default:
	}
	return Accept{}, nil
}

func (p *scriptServer) OnMessage(c *Conn, payload []byte, isBinary bool) {
	if p.msg != nil {
		p.msg(c, payload, isBinary)
		return
	}
	c.SendMessage(payload, isBinary)
}

func (p *scriptServer) OnClose(c *Conn, wasClean bool, code int, reason string) {
	select {
	case p.closed <- closeInfo{wasClean: wasClean, code: code, reason: reason}:
	default:
	}
}

type scriptedServer struct {
	*testServer
	reqs   chan *ConnectionRequest
	closed chan closeInfo
}

func startScriptServer(t testing.TB, opts Options, msg func(c *Conn, payload []byte, isBinary bool)) *scriptedServer {
	t.Helper()
	ss := &scriptedServer{reqs: make(chan *ConnectionRequest, 16), closed: make(chan closeInfo, 16)}
	s, err := NewServer(func() ServerProtocol {
		return &scriptServer{reqs: ss.reqs, closed: ss.closed, msg: msg}
	}, opts)
	if err != nil {
		t.Fatal(err)
	}
	ss.testServer = serve(t, s, nil)
	return ss
}

func (ss *scriptedServer) nextClose(t testing.TB) closeInfo {
	t.Helper()
	select {
	case ci := <-ss.closed:
		return ci
	case <-time.After(10 * time.Second):
		t.Fatal("server OnClose was not called within 10s")
	}
	return closeInfo{}
}

func TestClientEcho(t *testing.T) {
	ss := startScriptServer(t, Options{}, nil)
	p := newRecClient()
	c := dialT(t, ss.URL, p, nil)
	if !c.IsClient() || c.Version() != 13 || c.Subprotocol() != "" || c.Extensions() != "" {
		t.Fatalf("client conn: client %v version %d sub %q ext %q", c.IsClient(), c.Version(), c.Subprotocol(), c.Extensions())
	}
	resp := c.Response()
	if resp == nil || resp.Peer != ss.Addr || resp.Header.Get("Server") != "wsplug" || resp.Version != 13 {
		t.Fatalf("Response: %+v", resp)
	}
	<-p.opened
	for _, binary := range []bool{false, true} {
		for _, n := range []int{0, 1, 125, 126, 127, 4095, 4096, 4097, 65535, 65536, 1 << 20} {
			clientRoundTrip(t, c, p, n, binary)
		}
	}
	if err := c.SendClose(CloseNormal, "bye"); err != nil {
		select {
		case ci := <-p.closed:
			t.Logf("client OnClose: %+v", ci)
		default:
		}
		select {
		case ci := <-ss.closed:
			t.Logf("server OnClose: %+v", ci)
		default:
		}
		t.Fatal(err)
	}
	if ci := p.nextClose(t, 5*time.Second); !ci.wasClean || ci.code != CloseNormal {
		t.Fatalf("client OnClose: %+v", ci)
	}
	if ci := ss.nextClose(t); !ci.wasClean || ci.code != CloseNormal || ci.reason != "bye" {
		t.Fatalf("server OnClose: %+v", ci)
	}
	if err := c.SendMessage([]byte("late"), false); !errors.Is(err, ErrClosed) {
		t.Fatalf("send after close: %v", err)
	}
}

func TestClientSubprotocols(t *testing.T) {
	ss := startScriptServer(t, Options{Subprotocols: []string{"v2.chat", "v1.chat"}}, nil)
	tests := []struct {
		offer []string
		want  string
	}{
		{nil, ""},
		{[]string{"v1.chat"}, "v1.chat"},
		{[]string{"v1.chat", "v2.chat"}, "v2.chat"}, // the server's preference wins
		{[]string{"other"}, ""},
	}
	for _, tt := range tests {
		p := newRecClient()
		c := dialT(t, ss.URL, p, &ClientOptions{Subprotocols: tt.offer})
		req := <-ss.reqs
		if strings.Join(req.Protocols, ",") != strings.Join(tt.offer, ",") {
			t.Errorf("offer %v: server saw %v", tt.offer, req.Protocols)
		}
		if c.Subprotocol() != tt.want || c.Response().Subprotocol != tt.want {
			t.Errorf("offer %v: got %q, want %q", tt.offer, c.Subprotocol(), tt.want)
		}
		<-p.opened
		clientRoundTrip(t, c, p, 10, false)
		c.SendClose(CloseNormal, "")
		p.nextClose(t, 5*time.Second)
	}
}

func TestClientVersion8(t *testing.T) {
	ss := startScriptServer(t, Options{AllowedOrigins: []string{"http://example.com"}}, nil)
	p := newRecClient()
	c := dialT(t, ss.URL, p, &ClientOptions{Version: 8, Origin: "http://example.com"})
	req := <-ss.reqs
	if req.Version != 8 || req.Origin != "http://example.com" || req.Header.Get("Sec-WebSocket-Origin") != "http://example.com" || req.Header.Get("Origin") != "" {
		t.Fatalf("server saw version %d origin %q headers %v", req.Version, req.Origin, req.Header)
	}
	if c.Version() != 8 {
		t.Fatalf("Version() = %d", c.Version())
	}
	<-p.opened
	clientRoundTrip(t, c, p, 1000, true)
}

func TestClientRequest(t *testing.T) {
	reqs := make(chan *http.Request, 1)
	rs := startRawServer(t, func(conn net.Conn, br *bufio.Reader, req *http.Request) {
		reqs <- req
		conn.Write([]byte(response101(req, "Set-Cookie: session=s3cret; Path=/")))
		frameConn(conn, br).WaitClosed(5 * time.Second)
	})
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse("http://" + rs.Addr + "/")
	jar.SetCookies(u, []*http.Cookie{{Name: "pref", Value: "dark"}})
	opts := &ClientOptions{
		Origin:       "https://app.example",
		Subprotocols: []string{"a", "b"},
		Header:       http.Header{"X-Trace": {"42"}, "User-Agent": {"tester/1"}},
		Jar:          jar,
	}
	p := newRecClient()
	c := dialT(t, "ws://alice:pw@"+rs.Addr+"/chat/room?x=1&y=2", p, opts)
	req := <-reqs
	checks := map[string]string{
		"Method":                 req.Method,
		"RequestURI":             req.RequestURI,
		"Host":                   req.Host,
		"Upgrade":                req.Header.Get("Upgrade"),
		"Connection":             req.Header.Get("Connection"),
		"Sec-WebSocket-Version":  req.Header.Get("Sec-WebSocket-Version"),
		"Origin":                 req.Header.Get("Origin"),
		"Sec-WebSocket-Protocol": req.Header.Get("Sec-WebSocket-Protocol"),
		"User-Agent":             req.Header.Get("User-Agent"),
		"X-Trace":                req.Header.Get("X-Trace"),
		"Cookie":                 req.Header.Get("Cookie"),
		"Authorization":          req.Header.Get("Authorization"),
		"Extensions":             req.Header.Get("Sec-WebSocket-Extensions"),
	}
	want := map[string]string{
		"Method":                 "GET",
		"RequestURI":             "/chat/room?x=1&y=2",
		"Host":                   rs.Addr,
		"Upgrade":                "websocket",
		"Connection":             "Upgrade",
		"Sec-WebSocket-Version":  "13",
		"Origin":                 "https://app.example",
		"Sec-WebSocket-Protocol": "a, b",
		"User-Agent":             "tester/1",
		"X-Trace":                "42",
		"Cookie":                 "pref=dark",
		"Authorization":          "Basic YWxpY2U6cHc=",
		"Extensions":             "",
	}
	for k, w := range want {
		if checks[k] != w {
			t.Errorf("%s = %q, want %q", k, checks[k], w)
		}
	}
	if !req.ProtoAtLeast(1, 1) {
		t.Errorf("proto %s", req.Proto)
	}
	if k := req.Header.Get("Sec-WebSocket-Key"); !validKey(k) {
		t.Errorf("Sec-WebSocket-Key %q is not 16 random bytes in base64", k)
	}
	if got := jar.Cookies(u); len(got) != 2 {
		t.Errorf("jar after the handshake: %v, want the server's session cookie added", got)
	}
	<-p.opened
	c.Close()

	// The default User-Agent names the library.
	p2 := newRecClient()
	dialT(t, rs.URL, p2, nil)
	if ua := (<-reqs).Header.Get("User-Agent"); ua != "wsplug/"+Version {
		t.Errorf("default User-Agent %q", ua)
	}
}

func TestClientKeysDiffer(t *testing.T) {
	keys := make(chan string, 2)
	rs := startRawServer(t, func(conn net.Conn, br *bufio.Reader, req *http.Request) {
		keys <- req.Header.Get("Sec-WebSocket-Key")
		conn.Write([]byte(response101(req)))
	})
	for range 2 {
		p := newRecClient()
		dialT(t, rs.URL, p, nil)
		p.nextClose(t, 5*time.Second)
	}
	if a, b := <-keys, <-keys; a == b {
		t.Fatalf("two handshakes used the same key %q", a)
	}
}

func TestClientOnConnectRefuses(t *testing.T) {
	ss := startScriptServer(t, Options{}, nil)
	errNo := errors.New("not the server I wanted")
	tests := []struct {
		name     string
		connect  func(*ConnectionResponse) error
		wantCode int
		is       error
	}{
		{"error", func(*ConnectionResponse) error { return errNo }, ClosePolicyViolation, errNo},
		{"close error", func(*ConnectionResponse) error { return &CloseError{Code: 4001, Reason: "nope"} }, 4001, nil},
		{"panic", func(*ConnectionResponse) error { panic("boom") }, ClosePolicyViolation, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newRecClient()
			p.connect = tt.connect
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			start := time.Now()
			c, err := Dial(ctx, ss.URL, p.factory, nil)
			if err == nil || c != nil {
				t.Fatalf("Dial: %v, %v; want a refusal", c, err)
			}
			if !errors.Is(err, ErrRefused) || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Fatalf("Dial error %v does not wrap ErrRefused and the protocol's error", err)
			}
			if d := time.Since(start); d > 900*time.Millisecond {
				t.Errorf("refusal took %v: the server's drop should end it at once", d)
			}
			ci := ss.nextClose(t)
			if !ci.wasClean || ci.code != tt.wantCode {
				t.Fatalf("server OnClose %+v, want clean with %d", ci, tt.wantCode)
			}
			select {
			case <-p.opened:
				t.Fatal("OnOpen was called for a refused response")
			case ci := <-p.closed:
				t.Fatalf("OnClose was called for a refused response: %+v", ci)
			default:
			}
		})
	}
}

func TestClientBadURL(t *testing.T) {
	for _, u := range []string{
		"", "127.0.0.1:9000", "http://127.0.0.1/", "ftp://host/", "ws://", "ws:///path", "ws://:80/",
		"ws://host:0/", "ws://host:65536/", "ws://host:99999999999/", "ws://host:abc/", "ws://host:/",
		"ws://host/#frag", "ws://host/#", "ws:opaque", "wss//host", "ws://[::1/", "ws://host/%zz",
		"ws://user@/", " ws://host/",
	} {
		p := newRecClient()
		c, err := Dial(context.Background(), u, p.factory, nil)
		if err == nil {
			c.Close()
			t.Errorf("Dial(%q) succeeded", u)
			continue
		}
		if !strings.Contains(err.Error(), "URL") {
			t.Errorf("Dial(%q): %v does not say the URL is bad", u, err)
		}
	}
	if _, err := Dial(context.Background(), "ws://127.0.0.1:1/", nil, nil); err == nil {
		t.Error("Dial with a nil factory succeeded")
	}
	if _, err := Dial(context.Background(), "ws://127.0.0.1:1/", func() ClientProtocol { return nil }, &ClientOptions{OpenHandshakeTimeout: time.Second}); err == nil {
		t.Error("Dial with a factory returning nil succeeded")
	}
}

func TestClientOptionsValidate(t *testing.T) {
	if err := (*ClientOptions)(nil).Validate(); err != nil {
		t.Fatalf("nil options: %v", err)
	}
	if err := (&ClientOptions{Version: 8, Subprotocols: []string{"a", "b"}, ServerConnectionDropTimeout: Unlimited, AutoPingSize: 125}).Validate(); err != nil {
		t.Fatalf("good options: %v", err)
	}
	// want names the field (and more); rng is the values it allows, as the
	// message states them (see TestOptionsValidate), or what is wrong where
	// there is no range.
	tests := []struct {
		o         ClientOptions
		want, rng string
	}{
		{ClientOptions{Version: 12}, "ClientOptions.Version: 12 is not supported (allowed: 13, 8", "13, 8"},
		{ClientOptions{Version: 7}, "ClientOptions.Version: 7 is not supported", "13, 8"},
		{ClientOptions{Subprotocols: []string{"a b"}}, "ClientOptions.Subprotocols:", "HTTP token"},
		{ClientOptions{Subprotocols: []string{"a", "a"}}, "ClientOptions.Subprotocols:", "offered twice"},
		{ClientOptions{Origin: "x\r\ny"}, "ClientOptions.Origin:", "control characters"},
		{ClientOptions{Origin: "http://x\r\n"}, "ClientOptions.Origin:", "control characters"},
		{ClientOptions{Header: http.Header{"Sec-WebSocket-Key": {"x"}}}, "ClientOptions.Header: Sec-WebSocket-Key is set by the handshake", ""},
		{ClientOptions{Header: http.Header{"upgrade": {"x"}}}, "ClientOptions.Header: upgrade", "is set by the handshake"},
		{ClientOptions{Header: http.Header{"X-A": {"1\n2"}}}, "ClientOptions.Header: value of X-A", "control characters"},
		{ClientOptions{Header: http.Header{"Bad Name": {"1"}}}, "ClientOptions.Header:", "invalid header name"},
		{ClientOptions{ServerConnectionDropTimeout: -2}, "ClientOptions.ServerConnectionDropTimeout:", "-1 for none, or a positive duration"},
		{ClientOptions{AutoPingSize: 200}, "ClientOptions.AutoPingSize: 200: allowed 4 to 125", "4 to 125"},
		{ClientOptions{AutoPingSize: 126}, "ClientOptions.AutoPingSize: 126:", "4 to 125"},
		{ClientOptions{MaxMessagePayloadSize: -5}, "ClientOptions.MaxMessagePayloadSize:", "-1 for unlimited, or a positive size"},
		{ClientOptions{MaxMessagePayloadSize: -2}, "ClientOptions.MaxMessagePayloadSize:", "-1 for unlimited, or a positive size"},
		{ClientOptions{OpenHandshakeTimeout: -5}, "ClientOptions.OpenHandshakeTimeout:", "-1 for none, or a positive duration"},
		{ClientOptions{WriteTimeout: -9}, "ClientOptions.WriteTimeout:", "-1 for none, or a positive duration"},
		{ClientOptions{ReadBufferSize: 10}, "ClientOptions.ReadBufferSize: 10: use 0 for the default or at least 256", "at least 256"},
	}
	for _, tt := range tests {
		err := tt.o.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.rng) {
			t.Errorf("Validate(%+v) = %v, want %q and %q", tt.o, err, tt.want, tt.rng)
			continue
		}
		if _, derr := Dial(context.Background(), "ws://127.0.0.1:1/", newRecClient().factory, &tt.o); derr == nil || derr.Error() != err.Error() {
			t.Errorf("Dial with %+v: %v, want the Validate error", tt.o, derr)
		}
	}
}

func TestClientOptionsCopied(t *testing.T) {
	ss := startScriptServer(t, Options{}, nil)
	opts := &ClientOptions{Subprotocols: []string{"a"}, Header: http.Header{"X-A": {"1"}}}
	before := *opts
	p := newRecClient()
	dialT(t, ss.URL, p, opts)
	if opts.Header.Get("User-Agent") != "" || len(opts.Header) != 1 || opts.Version != 0 || opts.ServerConnectionDropTimeout != 0 || opts.OpenHandshakeTimeout != before.OpenHandshakeTimeout {
		t.Fatalf("Dial changed the caller's options: %+v", opts)
	}
}

func TestClientServerInitiatesClose(t *testing.T) {
	ss := startScriptServer(t, Options{}, func(c *Conn, payload []byte, isBinary bool) {
		c.SendClose(4000, "server says bye")
	})
	p := newRecClient()
	c := dialT(t, ss.URL, p, nil)
	c.SendMessage([]byte("close please"), false)
	if ci := p.nextClose(t, 5*time.Second); !ci.wasClean || ci.code != 4000 || ci.reason != "server says bye" {
		t.Fatalf("client OnClose %+v", ci)
	}
	if ci := ss.nextClose(t); !ci.wasClean || ci.code != CloseNormal {
		t.Fatalf("server OnClose %+v, want the client's 1000 reply", ci)
	}
}

// The server closes TCP right after the closing handshake: the client must
// not wait for ServerConnectionDropTimeout.
func TestClientCloseServerDrops(t *testing.T) {
	ss := startScriptServer(t, Options{}, nil)
	p := newRecClient()
	c := dialT(t, ss.URL, p, &ClientOptions{ServerConnectionDropTimeout: 5 * time.Second})
	<-p.opened
	start := time.Now()
	c.SendClose(CloseNormal, "")
	ci := p.nextClose(t, 10*time.Second)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("close took %v although the server dropped TCP", d)
	}
	if !ci.wasClean || ci.code != CloseNormal {
		t.Fatalf("client OnClose %+v", ci)
	}
}

// The server answers the close frame but keeps TCP open: the client drops it
// after ServerConnectionDropTimeout.
func TestClientCloseServerNeverDrops(t *testing.T) {
	serverSawEOF := make(chan time.Duration, 1)
	rs := startRawServer(t, func(conn net.Conn, br *bufio.Reader, req *http.Request) {
		conn.Write([]byte(response101(req)))
		fc := frameConn(conn, br)
		f, err := fc.ReadFrame(5 * time.Second)
		if err != nil || f.Op != wstest.OpClose {
			return
		}
		replied := time.Now()
		fc.WriteFrame(wstest.CloseFrame(CloseNormal, "ok"))
		if _, err := fc.WaitClosed(5 * time.Second); err == nil {
			serverSawEOF <- time.Since(replied)
		}
	})
	const drop = 300 * time.Millisecond
	p := newRecClient()
	c := dialT(t, rs.URL, p, &ClientOptions{ServerConnectionDropTimeout: drop})
	<-p.opened
	start := time.Now()
	c.SendClose(CloseNormal, "")
	ci := p.nextClose(t, 5*time.Second)
	d := time.Since(start)
	t.Logf("OnClose %v after SendClose", d)
	if d < drop || d > drop+2*time.Second {
		t.Fatalf("OnClose after %v, want about ServerConnectionDropTimeout (%v)", d, drop)
	}
	// Both close frames were exchanged: the closing handshake is complete (RFC
	// 6455 7.1.1 lets the client close TCP when the server does not).
	if !ci.wasClean || ci.code != CloseNormal || ci.reason != "ok" {
		t.Fatalf("client OnClose %+v", ci)
	}
	select {
	case after := <-serverSawEOF:
		if after < drop-50*time.Millisecond {
			t.Fatalf("client dropped TCP %v after the reply, before the drop timeout", after)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the client never closed TCP")
	}
}

// The server never answers the close frame: CloseHandshakeTimeout ends it.
func TestClientCloseHandshakeTimeout(t *testing.T) {
	rs := startRawServer(t, func(conn net.Conn, br *bufio.Reader, req *http.Request) {
		conn.Write([]byte(response101(req)))
		frameConn(conn, br).WaitClosed(5 * time.Second)
	})
	p := newRecClient()
	c := dialT(t, rs.URL, p, &ClientOptions{CloseHandshakeTimeout: 200 * time.Millisecond})
	<-p.opened
	start := time.Now()
	c.SendClose(CloseNormal, "")
	ci := p.nextClose(t, 5*time.Second)
	if d := time.Since(start); d < 200*time.Millisecond || d > 3*time.Second {
		t.Fatalf("OnClose after %v", d)
	}
	if ci.wasClean || ci.code != CloseAbnormal {
		t.Fatalf("client OnClose %+v, want unclean 1006", ci)
	}
}

// Frames that arrive in the same segment as the 101 are not lost.
func TestClientFramesRightAfterResponse(t *testing.T) {
	rs := startRawServer(t, func(conn net.Conn, br *bufio.Reader, req *http.Request) {
		b := []byte(response101(req))
		b = append(b, wstest.EncodeFrame(wstest.Text("first"))...)
		b = append(b, wstest.EncodeFrame(wstest.Binary(clientPayload(3000, true)))...)
		conn.Write(b)
		frameConn(conn, br).WaitClosed(5 * time.Second)
	})
	p := newRecClient()
	dialT(t, rs.URL, p, nil)
	if m := p.nextMsg(t, 5*time.Second); string(m.payload) != "first" || m.isBinary {
		t.Fatalf("first message %q binary %v", m.payload, m.isBinary)
	}
	if m := p.nextMsg(t, 5*time.Second); len(m.payload) != 3000 || !m.isBinary {
		t.Fatalf("second message: %d bytes binary %v", len(m.payload), m.isBinary)
	}
}

// The server breaks the protocol: the client fails the connection with the
// right code, sent in a close frame before TCP is dropped.
func TestClientFailsConnection(t *testing.T) {
	tests := []struct {
		name  string
		frame wstest.Frame
		opts  *ClientOptions
		code  int
	}{
		{"invalid UTF-8", wstest.Frame{Fin: true, Op: wstest.OpText, Payload: []byte{0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5, 0xed, 0xa0, 0x80}}, nil, CloseInvalidPayload},
		{"reserved bit", wstest.Frame{Fin: true, Rsv: 4, Op: wstest.OpText, Payload: []byte("x")}, nil, CloseProtocolError},
		{"unknown opcode", wstest.Frame{Fin: true, Op: 3}, nil, CloseProtocolError},
		{"masked server frame", wstest.Frame{Fin: true, Op: wstest.OpText, Payload: []byte("masked"), Masked: true, Key: [4]byte{1, 2, 3, 4}}, nil, CloseProtocolError},
		{"too big", wstest.Binary(make([]byte, 2000)), &ClientOptions{MaxMessagePayloadSize: 1000}, CloseMessageTooBig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make(chan int, 1)
			rs := startRawServer(t, func(conn net.Conn, br *bufio.Reader, req *http.Request) {
				conn.Write([]byte(response101(req)))
				fc := frameConn(conn, br)
				conn.Write(wstest.EncodeFrame(tt.frame))
				f, err := fc.ReadFrame(5 * time.Second)
				if err != nil || f.Op != wstest.OpClose {
					got <- -1
					return
				}
				code, _ := wstest.CloseCode(f.Payload)
				got <- code
				fc.WaitClosed(5 * time.Second)
			})
			p := newRecClient()
			dialT(t, rs.URL, p, tt.opts)
			if code := <-got; code != tt.code {
				t.Fatalf("client sent close code %d, want %d", code, tt.code)
			}
			if ci := p.nextClose(t, 5*time.Second); ci.wasClean || ci.code != CloseAbnormal {
				t.Fatalf("client OnClose %+v", ci)
			}
		})
	}
}

func TestClientAcceptMaskedServerFrames(t *testing.T) {
	rs := startRawServer(t, func(conn net.Conn, br *bufio.Reader, req *http.Request) {
		conn.Write([]byte(response101(req)))
		conn.Write(wstest.EncodeFrame(wstest.Frame{Fin: true, Op: wstest.OpText, Payload: []byte("masked hello"), Masked: true, Key: [4]byte{9, 8, 7, 6}}))
		frameConn(conn, br).WaitClosed(5 * time.Second)
	})
	p := newRecClient()
	dialT(t, rs.URL, p, &ClientOptions{AcceptMaskedServerFrames: true})
	if m := p.nextMsg(t, 5*time.Second); string(m.payload) != "masked hello" {
		t.Fatalf("got %q", m.payload)
	}
}

func TestDialAndServe(t *testing.T) {
	ss := startScriptServer(t, Options{}, nil)
	p := &helloClient{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := DialAndServe(ctx, ss.URL, func() ClientProtocol { return p }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st != (CloseStatus{WasClean: true, Code: CloseNormal, Reason: ""}) || string(p.got) != "hello" {
		t.Fatalf("status %+v, received %q", st, p.got)
	}

	// A failed handshake is DialAndServe's error.
	if _, err := DialAndServe(ctx, "ws://127.0.0.1:1/", func() ClientProtocol { return &helloClient{} }, nil); err == nil {
		t.Fatal("DialAndServe to a closed port succeeded")
	}
}

// Cancelling DialAndServe's context closes the connection with 1001.
func TestDialAndServeCancel(t *testing.T) {
	ss := startScriptServer(t, Options{}, func(*Conn, []byte, bool) {})
	ctx, cancel := context.WithCancel(context.Background())
	opened := make(chan struct{})
	done := make(chan CloseStatus, 1)
	go func() {
		st, err := DialAndServe(ctx, ss.URL, func() ClientProtocol {
			return &clientOpenNotifier{opened: opened}
		}, nil)
		if err != nil {
			t.Error(err)
		}
		done <- st
	}()
	select {
	case <-opened:
	case <-time.After(5 * time.Second):
		t.Fatal("not opened")
	}
	cancel()
	select {
	case st := <-done:
		if !st.WasClean || st.Code != CloseNormal {
			t.Fatalf("status %+v, want the server's clean reply to 1001", st)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("DialAndServe did not return after cancel")
	}
	if ci := ss.nextClose(t); ci.code != CloseGoingAway {
		t.Fatalf("server OnClose %+v", ci)
	}
}

// helloClient sends "hello", closes when the echo arrives.
type helloClient struct {
	BaseClientProtocol
	got []byte
}

func (h *helloClient) OnOpen(c *Conn) { c.SendMessage([]byte("hello"), false) }
func (h *helloClient) OnMessage(c *Conn, payload []byte, isBinary bool) {
	h.got = payload
	c.SendClose(CloseNormal, "")
}

type clientOpenNotifier struct {
	BaseClientProtocol
	opened chan struct{}
}

func (o *clientOpenNotifier) OnOpen(*Conn) { close(o.opened) }

func TestClientIPv6(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	hosts := make(chan string, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		br := bufio.NewReader(conn)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		hosts <- req.Host
		conn.Write([]byte(response101(req)))
		fc := frameConn(conn, br)
		if f, err := fc.ReadFrame(5 * time.Second); err == nil {
			fc.WriteFrame(wstest.Frame{Fin: true, Op: f.Op, Payload: f.Payload})
		}
		fc.WaitClosed(5 * time.Second)
	}()
	defer func() { ln.Close(); <-done }()
	url := "ws://" + ln.Addr().String() + "/"
	p := newRecClient()
	c := dialT(t, url, p, nil)
	if h := <-hosts; h != ln.Addr().String() {
		t.Fatalf("Host %q, want %q", h, ln.Addr())
	}
	clientRoundTrip(t, c, p, 300, true)
	c.Close()
}
