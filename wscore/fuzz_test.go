package wscore

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wsplug/wsplug/internal/wstest"
)

// memConn is an in-memory net.Conn for fuzzing the reader: it reads the fuzz
// input and discards what the engine writes.
type memConn struct {
	r *bytes.Reader
}

func (m *memConn) Read(p []byte) (int, error)       { return m.r.Read(p) }
func (m *memConn) Write(p []byte) (int, error)      { return len(p), nil }
func (m *memConn) Close() error                     { return nil }
func (m *memConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (m *memConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (m *memConn) SetDeadline(time.Time) error      { return nil }
func (m *memConn) SetReadDeadline(time.Time) error  { return nil }
func (m *memConn) SetWriteDeadline(time.Time) error { return nil }

// checkingProtocol asserts what the engine promises the application.
type checkingProtocol struct {
	BaseServerProtocol
	t      *testing.T
	closes int
}

func (p *checkingProtocol) OnMessage(c *Conn, payload []byte, isBinary bool) {
	if !isBinary && !utf8.Valid(payload) {
		p.t.Fatalf("invalid UTF-8 text delivered: %q", payload)
	}
	if len(payload) > 1<<16 {
		p.t.Fatalf("message of %d bytes beyond the limit", len(payload))
	}
}

func (p *checkingProtocol) OnClose(c *Conn, wasClean bool, code int, reason string) { p.closes++ }

// FuzzReadFrames feeds arbitrary client bytes to a server connection: frame
// headers, masking, fragmentation, control frames, UTF-8, limits. The engine
// must never panic, never deliver invalid text or an oversized message, and
// call OnClose exactly once.
func FuzzReadFrames(f *testing.F) {
	c := &wstest.RawClient{}
	seeds := [][]wstest.Frame{
		{wstest.Text("hello")},
		{wstest.Binary([]byte{1, 2, 3})},
		{{Op: wstest.OpText, Payload: []byte("frag")}, wstest.Ping([]byte("p")), {Fin: true, Op: wstest.OpContinuation, Payload: []byte("ment")}},
		{wstest.CloseFrame(1000, "bye")},
		{wstest.CloseFrame(1005, "")},
		{{Fin: true, Op: wstest.OpText, Payload: []byte("\xce\xba\xed\xa0\x80")}},
		{{Fin: true, Rsv: 4, Op: wstest.OpText, Payload: []byte("rsv")}},
		{{Fin: true, Op: 3}},
		{wstest.Ping(bytes.Repeat([]byte{1}, 126))},
	}
	for _, fs := range seeds {
		var b []byte
		for _, fr := range fs {
			b = append(b, c.EncodeFrame(fr)...)
		}
		f.Add(b)
	}
	f.Add([]byte{0x81, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}) // length with the top bit set
	f.Add([]byte{0x82, 0xFF, 0, 0, 0, 0, 0x10, 0, 0, 0, 1, 2, 3, 4}) // 256 MiB announced
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := (&Options{MaxMessagePayloadSize: 1 << 16, CloseHandshakeTimeout: Unlimited}).serverConfig()
		cfg.logger = discardLogger
		p := &checkingProtocol{t: t}
		conn := newConn(&memConn{r: bytes.NewReader(data)}, &cfg, p, false)
		conn.run()
		if p.closes != 1 {
			t.Fatalf("OnClose called %d times", p.closes)
		}
	})
}

// FuzzCheckHandshake runs the request checks on arbitrary header values. It
// must never panic, and what it accepts must be a valid handshake.
func FuzzCheckHandshake(f *testing.F) {
	f.Add("GET", "websocket", "Upgrade", "dGhlIHNhbXBsZSBub25jZQ==", "13", "", "chat, superchat", "permessage-deflate; client_max_window_bits", "/chat?x=1", "")
	f.Add("GET", "WebSocket, h2c", "keep-alive, Upgrade", "dGhlIHNhbXBsZSBub25jZQ==", "8", "http://example.com", "", "", "/", "1.2.3.4, 5.6.7.8")
	f.Add("POST", "", "", "", "", "null", "a b", "x;=", "%zz", "not an ip")
	rules := &handshakeRules{versions: []int{13, 8}, origins: newOriginPolicy(nil), trustedXFF: 1}
	// A server that accepts permessage-deflate, for the extensions answer.
	srv, err := NewServer(func() ServerProtocol { return &BaseServerProtocol{} }, Options{PerMessageCompressionAccept: DefaultDeflateAccept, Logger: discardLogger})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, upgrade, connection, key, version, origin, protocols, extensions, uri, xff string) {
		h := http.Header{}
		for k, v := range map[string]string{
			"Upgrade": upgrade, "Connection": connection, "Sec-Websocket-Key": key, "Sec-Websocket-Version": version,
			"Origin": origin, "Sec-Websocket-Protocol": protocols, "Sec-Websocket-Extensions": extensions, "X-Forwarded-For": xff,
		} {
			if v != "" {
				h[k] = []string{v}
			}
		}
		r := &HandshakeRequest{Method: method, RequestURI: uri, ProtoMajor: 1, ProtoMinor: 1, Host: "example.com", Header: h, RemoteAddr: "10.0.0.1:1234"}
		info, herr := checkHandshake(r, rules)
		if herr != nil {
			if herr.Status < 400 || herr.Status > 599 || herr.Reason == "" {
				t.Fatalf("refusal without status or reason: %+v", herr)
			}
			return
		}
		if method != "GET" || !validKey(info.key) || (info.req.Version != 13 && info.req.Version != 8) {
			t.Fatalf("accepted an invalid request: %+v", info.req)
		}
		for _, p := range info.req.Protocols {
			if !isToken(p) {
				t.Fatalf("accepted subprotocol %q", p)
			}
		}
		// The 101 carries what was negotiated from the offer: a subprotocol
		// the client offered (chosen by the input's length), the deflate
		// answer, and a header OnConnect added (the X-Forwarded-For input as
		// a cookie value, when checkExtraHeader lets it through).
		var sub string
		if ps := info.req.Protocols; len(ps) > 0 {
			sub = ps[len(uri)%len(ps)]
		}
		ext, _ := srv.negotiateDeflate(info.req.Extensions)
		extra := http.Header{"Set-Cookie": {xff}}
		if _, ok := checkExtraHeader(extra); !ok || xff == "" {
			extra = nil
		}
		resp := appendResponse101(nil, AcceptKey(info.key), sub, ext, "wsplug", extra)
		checkResponse101(t, resp, info.key, sub, ext, extra)
	})
}

// checkResponse101 parses resp as HTTP and requires exactly the headers of a
// 101 with sub, ext and extra: one line each, nothing else, nothing after.
func checkResponse101(t *testing.T, resp []byte, key, sub, ext string, extra http.Header) {
	t.Helper()
	if bytes.Count(resp, []byte("\r\n\r\n")) != 1 || !bytes.HasSuffix(resp, []byte("\r\n\r\n")) {
		t.Fatalf("malformed response %q", resp)
	}
	rd := bytes.NewReader(resp)
	br := bufio.NewReader(rd)
	r, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("response does not parse: %v in %q", err, resp)
	}
	if r.StatusCode != http.StatusSwitchingProtocols || br.Buffered()+rd.Len() != 0 {
		t.Fatalf("status %d, %d bytes after the head, in %q", r.StatusCode, br.Buffered()+rd.Len(), resp)
	}
	want := http.Header{
		"Upgrade":              {"websocket"},
		"Connection":           {"Upgrade"},
		"Sec-Websocket-Accept": {AcceptKey(key)},
		"Server":               {"wsplug"},
	}
	if sub != "" {
		want["Sec-Websocket-Protocol"] = []string{sub}
	}
	if ext != "" {
		want["Sec-Websocket-Extensions"] = []string{ext}
	}
	for k, vs := range extra {
		for _, v := range vs {
			want[http.CanonicalHeaderKey(k)] = append(want[http.CanonicalHeaderKey(k)], strings.Trim(v, " \t"))
		}
	}
	if !reflect.DeepEqual(r.Header, want) {
		t.Fatalf("headers %q, want exactly %q, in %q", r.Header, want, resp)
	}
}

// FuzzUTF8Validator compares the incremental validator with utf8.Valid over
// arbitrary splits.
func FuzzUTF8Validator(f *testing.F) {
	for _, c := range utf8Cases {
		f.Add(mustHex(c.hex), uint8(1), uint8(2))
	}
	f.Fuzz(func(t *testing.T, b []byte, a, c uint8) {
		i, j := int(a)%(len(b)+1), int(c)%(len(b)+1)
		if i > j {
			i, j = j, i
		}
		var v utf8Validator
		got := v.write(b[:i]) && v.write(b[i:j]) && v.write(b[j:]) && v.complete()
		if got != utf8.Valid(b) {
			t.Fatalf("%x split %d,%d: %v, want %v", b, i, j, got, !got)
		}
	})
}

// FuzzClosePayload checks what parseClosePayload accepts.
func FuzzClosePayload(f *testing.F) {
	f.Add([]byte{0x03, 0xe8, 'o', 'k'})
	f.Add([]byte{0x03})
	f.Add([]byte{0x03, 0xed})
	f.Fuzz(func(t *testing.T, p []byte) {
		code, reason, fail, why := parseClosePayload(p, true)
		if fail != 0 {
			if why == "" || (fail != CloseProtocolError && fail != CloseInvalidPayload) {
				t.Fatalf("failure %d %q", fail, why)
			}
			return
		}
		if len(p) == 0 {
			if code != CloseNoStatus {
				t.Fatal("empty payload")
			}
			return
		}
		if !validCloseCode(code) || !utf8.ValidString(reason) {
			t.Fatalf("accepted code %d reason %q", code, reason)
		}
	})
}

// FuzzOriginPolicy checks the origin matcher against a regular expression
// built from the same pattern, and that it never panics.
func FuzzOriginPolicy(f *testing.F) {
	f.Add("https://*.example.com:*", "https://a.example.com:443", "example.com")
	f.Add("http://localhost:*", "http://localhost:3000", "localhost:3000")
	f.Fuzz(func(t *testing.T, pattern, origin, host string) {
		newOriginPolicy([]string{pattern}).allow(origin, host)
		newOriginPolicy(nil).allow(origin, host)
		// The regexp oracle works on UTF-8 text only.
		if len(pattern) > 64 || len(origin) > 64 || !utf8.ValidString(pattern) || !utf8.ValidString(origin) {
			return
		}
		parts := strings.Split(pattern, "*")
		for i := range parts {
			parts[i] = regexp.QuoteMeta(parts[i])
		}
		re := regexp.MustCompile("^(?s:" + strings.Join(parts, ".*") + ")$")
		if wildcardMatch(pattern, origin) != re.MatchString(origin) {
			t.Fatalf("wildcardMatch(%q, %q) disagrees with the regexp", pattern, origin)
		}
	})
}

var discardLogger = newDiscardLogger()
