package adaptertest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	coder "github.com/coder/websocket"
	"github.com/gorilla/websocket"

	"github.com/wsplug/wsplug/internal/wstest"
	"github.com/wsplug/wsplug/wscore"
)

// Run runs every adapter scenario against setup, each as a subtest with a
// server of its own.
func Run(t *testing.T, setup Setup) {
	for _, sc := range []struct {
		name string
		run  func(*testing.T, Setup)
	}{
		{"EchoGorilla", testEchoGorilla},
		{"EchoCoder", testEchoCoder},
		{"StatusHTML", testStatusHTML},
		{"StatusJSON", testStatusJSON},
		{"StatusDisabled", testStatusDisabled},
		{"OriginWildcard", testOriginWildcard},
		{"OriginSameOrigin", testOriginSameOrigin},
		{"MaxConnections", testMaxConnections},
		{"WrongVersion", testWrongVersion},
		{"Malformed", testMalformed},
		{"CheckOrder", testCheckOrder},
		{"Garbage", testGarbage},
		{"TwoRoutes", testTwoRoutes},
		{"MiddlewareForm", testMiddlewareForm},
		{"XForwardedFor", testXForwardedFor},
		{"ParamsAndValues", testParamsAndValues},
		{"RequestOutlivesHandler", testRequestOutlivesHandler},
		{"FramesBehindHandshake", testFramesBehindHandshake},
		{"ServerCloses", testServerCloses},
		{"Shutdown", testShutdown},
	} {
		t.Run(sc.name, func(t *testing.T) { sc.run(t, setup) })
	}
}

func dial(t *testing.T, url string, header http.Header) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	c, resp, err := d.Dial(url, header)
	if c != nil {
		t.Cleanup(func() { c.Close() })
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
	}
	return c, resp, err
}

func mustDial(t *testing.T, url string, header http.Header) *websocket.Conn {
	t.Helper()
	c, resp, err := dial(t, url, header)
	if err != nil {
		t.Fatalf("dial %s: %v (%s)", url, err, describe(resp))
	}
	return c
}

// wantRefused dials and expects the handshake to be refused with status, the
// response body naming reason.
func wantRefused(t *testing.T, url string, header http.Header, status int, reason string) {
	t.Helper()
	c, resp, err := dial(t, url, header)
	if err == nil {
		c.Close()
		t.Fatalf("dial %s: upgraded, want %d", url, status)
	}
	if resp == nil {
		t.Fatalf("dial %s: %v, want %d", url, err, status)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != status || !strings.Contains(string(body), reason) {
		t.Fatalf("dial %s: got %d %q, want %d naming %q", url, resp.StatusCode, body, status, reason)
	}
}

func describe(resp *http.Response) string {
	if resp == nil {
		return "no response"
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	return fmt.Sprintf("%d %q", resp.StatusCode, body)
}

func echoOnce(t *testing.T, c *websocket.Conn, typ int, msg []byte) {
	t.Helper()
	if err := c.WriteMessage(typ, msg); err != nil {
		t.Fatal(err)
	}
	gt, got, err := c.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	if gt != typ || !bytes.Equal(got, msg) {
		t.Fatalf("echo of %d bytes (type %d): got %d bytes of type %d", len(msg), typ, len(got), gt)
	}
}

func closeClean(t *testing.T, c *websocket.Conn) {
	t.Helper()
	c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"))
	if _, _, err := c.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Fatalf("want close 1000 back, got %v", err)
	}
}

func whoami(t *testing.T, c *websocket.Conn) Identity {
	t.Helper()
	if err := c.WriteMessage(websocket.TextMessage, []byte(WhoAmI)); err != nil {
		t.Fatal(err)
	}
	_, b, err := c.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	var id Identity
	if err := json.Unmarshal(b, &id); err != nil {
		t.Fatalf("whoami: %v in %q", err, b)
	}
	return id
}

func testEchoGorilla(t *testing.T, setup Setup) {
	s := start(t, setup, Route{Path: "/echo"})
	c := mustDial(t, s.ws("/echo"), nil)
	for _, n := range []int{0, 1, 125, 126, 65535, 65536, 1 << 20} {
		echoOnce(t, c, websocket.TextMessage, bytes.Repeat([]byte("x"), n))
		echoOnce(t, c, websocket.BinaryMessage, bytes.Repeat([]byte{0xfe}, n))
	}
	closeClean(t, c)
}

func testEchoCoder(t *testing.T, setup Setup) {
	s := start(t, setup, Route{Path: "/echo"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := coder.Dial(ctx, s.ws("/echo"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	c.SetReadLimit(2 << 20)
	for _, n := range []int{0, 1, 126, 65536, 1 << 20} {
		for _, typ := range []coder.MessageType{coder.MessageText, coder.MessageBinary} {
			msg := bytes.Repeat([]byte("y"), n)
			if err := c.Write(ctx, typ, msg); err != nil {
				t.Fatal(err)
			}
			gt, got, err := c.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if gt != typ || !bytes.Equal(got, msg) {
				t.Fatalf("coder echo of %d bytes: got %d bytes, type %v", n, len(got), gt)
			}
		}
	}
	if err := c.Close(coder.StatusNormalClosure, "done"); err != nil {
		t.Fatalf("coder close: %v", err)
	}
}

const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

func testStatusHTML(t *testing.T, setup Setup) {
	s := start(t, setup,
		Route{Path: "/echo"},
		Route{Path: "/named", Options: wscore.Options{Server: `<script>alert("x")</script>&`}},
	)
	code, h, body := get(t, s.base+"/echo", http.Header{"Accept": {browserAccept}})
	if code != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /echo: %d %s", code, h.Get("Content-Type"))
	}
	for _, want := range []string{`data-k="route">/echo</code>`, `data-k="server">wsplug</span>`, wscore.Version, `id="console-input"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'sha256-") {
		t.Errorf("Content-Security-Policy: %q", csp)
	}
	for _, ext := range []string{`src="http`, `href="http`, `url(http`, `src="//`, `href="//`, "@import"} {
		if strings.Contains(body, ext) {
			t.Errorf("page loads an external asset: %s", grep(body, ext))
		}
	}
	if h.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control: %q", h.Get("Cache-Control"))
	}
	_, _, body = get(t, s.base+"/named", nil)
	if strings.Contains(body, `<script>alert(`) || !strings.Contains(body, `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;`) {
		t.Errorf("server name not escaped: %s", grep(body, "alert"))
	}
}

func grep(body, s string) string {
	var out []string
	for _, l := range strings.Split(body, "\n") {
		if strings.Contains(l, s) {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return strings.Join(out, "\n")
}

var jsonFields = []string{"accepted", "bytes_in", "bytes_out", "compression_ratio", "messages_in", "messages_out", "open", "options", "refused", "route", "server", "uptime_seconds", "version"}

func statusJSON(t *testing.T, url string) map[string]any {
	t.Helper()
	code, h, body := get(t, url, http.Header{"Accept": {"application/json"}})
	if code != http.StatusOK || h.Get("Content-Type") != "application/json" {
		t.Fatalf("GET %s as JSON: %d %s %q", url, code, h.Get("Content-Type"), body)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("status JSON: %v in %q", err, body)
	}
	return m
}

func testStatusJSON(t *testing.T, setup Setup) {
	s := start(t, setup, Route{Path: "/echo", Options: wscore.Options{MaxConnections: 7, Subprotocols: []string{"chat"}}})
	m := statusJSON(t, s.base+"/echo")
	if got := sortedKeys(m); !reflect.DeepEqual(got, jsonFields) {
		t.Fatalf("JSON fields %v, want exactly %v", got, jsonFields)
	}
	if m["server"] != "wsplug" || m["version"] != wscore.Version || m["route"] != "/echo" || m["compression_ratio"] != nil {
		t.Errorf("JSON: %v", m)
	}
	opts := m["options"].(map[string]any)
	if fmt.Sprint(opts["versions"]) != "[13 8]" || fmt.Sprint(opts["subprotocols"]) != "[chat]" || opts["max_connections"] != 7.0 {
		t.Errorf("options: %v", opts)
	}

	c := mustDial(t, s.ws("/echo"), nil)
	echoOnce(t, c, websocket.TextMessage, []byte("hello"))
	wantRefused(t, s.ws("/echo"), http.Header{"Origin": {"https://elsewhere.example"}}, http.StatusForbidden, "origin")
	// The engine counts a sent message once its write returns, which can be
	// after the client has read it.
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		m = statusJSON(t, s.base+"/echo")
		if m["messages_out"] == 1.0 || time.Now().After(deadline) {
			break
		}
	}
	if m["open"] != 1.0 || m["accepted"] != 1.0 || m["messages_in"].(float64) < 1 || m["bytes_out"].(float64) < 5 {
		t.Errorf("counters after one echo: %v", m)
	}
	if r := m["refused"].(map[string]any); r[wscore.RefusedOrigin] != 1.0 {
		t.Errorf("refused: %v", r)
	}
	// Nothing about peers or headers.
	_, _, body := get(t, s.base+"/echo", http.Header{"Accept": {"application/json"}})
	if strings.Contains(body, "127.0.0.1") || strings.Contains(body, "elsewhere") {
		t.Errorf("status JSON reveals a peer or header: %s", body)
	}
	closeClean(t, c)
}

func testStatusDisabled(t *testing.T, setup Setup) {
	s := start(t, setup, Route{Path: "/quiet", Options: wscore.Options{DisableWebStatus: true}})
	code, h, body := get(t, s.base+"/quiet", nil)
	if code != http.StatusUpgradeRequired || !strings.EqualFold(h.Get("Upgrade"), "websocket") || !strings.Contains(body, "WebSocket") {
		t.Fatalf("plain GET with the status page off: %d Upgrade=%q %q", code, h.Get("Upgrade"), body)
	}
	c := mustDial(t, s.ws("/quiet"), nil)
	echoOnce(t, c, websocket.TextMessage, []byte("still a WebSocket route"))
}

func testOriginWildcard(t *testing.T, setup Setup) {
	s := start(t, setup, Route{Path: "/o", Options: wscore.Options{AllowedOrigins: []string{"https://*.example.com:*"}}})
	for _, origin := range []string{"https://evil.test", "http://app.example.com", "https://example.org", "null"} {
		wantRefused(t, s.ws("/o"), http.Header{"Origin": {origin}}, http.StatusForbidden, "origin")
	}
	for _, origin := range []string{"https://app.example.com", "https://app.example.com:8443", "https://a.b.example.com:443"} {
		c := mustDial(t, s.ws("/o"), http.Header{"Origin": {origin}})
		echoOnce(t, c, websocket.TextMessage, []byte(origin))
		c.Close()
	}
}

func testOriginSameOrigin(t *testing.T, setup Setup) {
	s := start(t, setup, Route{Path: "/o"})
	wantRefused(t, s.ws("/o"), http.Header{"Origin": {"http://evil.test"}}, http.StatusForbidden, "cross-origin")
	c := mustDial(t, s.ws("/o"), http.Header{"Origin": {s.base}})
	echoOnce(t, c, websocket.TextMessage, []byte("same origin"))
	c2 := mustDial(t, s.ws("/o"), nil) // no Origin: not a browser
	echoOnce(t, c2, websocket.TextMessage, []byte("no origin"))
}

func testMaxConnections(t *testing.T, setup Setup) {
	s := start(t, setup, Route{Path: "/cap", Options: wscore.Options{MaxConnections: 2}})
	a := mustDial(t, s.ws("/cap"), nil)
	b := mustDial(t, s.ws("/cap"), nil)
	wantRefused(t, s.ws("/cap"), nil, http.StatusServiceUnavailable, "too many connections")
	echoOnce(t, b, websocket.TextMessage, []byte("b still works"))
	closeClean(t, a)
	// The slot comes back once the engine has seen the close.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, resp, err := dial(t, s.ws("/cap"), nil)
		if err == nil {
			echoOnce(t, c, websocket.TextMessage, []byte("after a close"))
			break
		}
		if resp == nil || resp.StatusCode != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("dial after a close: %v (%s)", err, describe(resp))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func rawHandshake(t *testing.T, addr string, hs wstest.Handshake) *http.Response {
	t.Helper()
	c, resp, err := wstest.Dial(addr, hs)
	if err != nil {
		t.Fatalf("raw handshake: %v", err)
	}
	c.Close()
	return resp
}

func bodyOf(resp *http.Response) string {
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func testWrongVersion(t *testing.T, setup Setup) {
	s := start(t, setup, Route{Path: "/v"})
	for _, v := range []string{"12", "7", "14", "banana"} {
		resp := rawHandshake(t, s.addr, wstest.Handshake{Path: "/v", Header: http.Header{"Sec-WebSocket-Version": {v}}})
		body := bodyOf(resp)
		if resp.StatusCode != http.StatusUpgradeRequired || resp.Header.Get("Sec-WebSocket-Version") != "13, 8" || !strings.Contains(body, "Sec-WebSocket-Version") {
			t.Errorf("version %s: %d %q %q", v, resp.StatusCode, resp.Header.Get("Sec-WebSocket-Version"), body)
		}
	}
	// hybi-08 is served.
	resp := rawHandshake(t, s.addr, wstest.Handshake{Path: "/v", Header: http.Header{"Sec-WebSocket-Version": {"8"}}})
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Errorf("version 8: %d", resp.StatusCode)
	}
}

func testMalformed(t *testing.T, setup Setup) {
	s := start(t, setup, Route{Path: "/m"})
	key := wstest.NewKey()
	for _, tc := range []struct {
		name   string
		hs     wstest.Handshake
		reason string
	}{
		{"no key", wstest.Handshake{Header: http.Header{"Sec-WebSocket-Key": {""}}}, "Sec-WebSocket-Key"},
		{"short key", wstest.Handshake{Header: http.Header{"Sec-WebSocket-Key": {"c2hvcnQ="}}}, "Sec-WebSocket-Key"},
		{"two keys", wstest.Handshake{Header: http.Header{"Sec-WebSocket-Key": {key, key}}}, "Sec-WebSocket-Key"},
		{"no Connection", wstest.Handshake{Header: http.Header{"Connection": {""}}}, "Connection: Upgrade"},
		{"Connection keep-alive", wstest.Handshake{Header: http.Header{"Connection": {"keep-alive"}}}, "Connection: Upgrade"},
		{"bad subprotocol", wstest.Handshake{Header: http.Header{"Sec-WebSocket-Protocol": {"a b"}}}, "Sec-WebSocket-Protocol"},
		{"bad extension", wstest.Handshake{Header: http.Header{"Sec-WebSocket-Extensions": {"permessage-deflate; ="}}}, "Sec-WebSocket-Extensions"},
		{"HTTP/1.0", wstest.Handshake{Raw: "GET /m HTTP/1.0\r\nHost: " + s.addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n"}, "HTTP/1.1"},
	} {
		tc.hs.Path = "/m"
		resp := rawHandshake(t, s.addr, tc.hs)
		body := bodyOf(resp)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, tc.reason) {
			t.Errorf("%s: got %d %q, want 400 naming %q", tc.name, resp.StatusCode, body, tc.reason)
		}
	}
	if r := s.engines["/m"].Stats().Refused[wscore.RefusedBadRequest]; r != 8 {
		t.Errorf("refused bad_request = %d, want 8", r)
	}
}

// testCheckOrder sends handshakes that get two or more things wrong: the
// first check in DESIGN's order answers (header syntax 400 -> version 426 ->
// origin 403 -> MaxConnections 503), through the framework as through wscore.
func testCheckOrder(t *testing.T, setup Setup) {
	s := start(t, setup, Route{Path: "/order", Options: wscore.Options{MaxConnections: 1}})
	holder := mustDial(t, s.ws("/order"), nil) // the route is full from here on
	WaitOpen(t, s.engines["/order"], 1, 5*time.Second)
	foreign := "https://elsewhere.example"
	for _, tc := range []struct {
		name   string
		header http.Header
		status int
		reason string
	}{
		{"bad subprotocol syntax + bad version + foreign origin + full",
			http.Header{"Sec-WebSocket-Protocol": {"a b"}, "Sec-WebSocket-Version": {"12"}, "Origin": {foreign}}, http.StatusBadRequest, "Sec-WebSocket-Protocol"},
		{"bad version + foreign origin + full",
			http.Header{"Sec-WebSocket-Version": {"12"}, "Origin": {foreign}}, http.StatusUpgradeRequired, "Sec-WebSocket-Version"},
		{"foreign origin + full", http.Header{"Origin": {foreign}}, http.StatusForbidden, "origin"},
		{"full", nil, http.StatusServiceUnavailable, "too many"},
	} {
		resp := rawHandshake(t, s.addr, wstest.Handshake{Path: "/order", Header: tc.header})
		if body := bodyOf(resp); resp.StatusCode != tc.status || !strings.Contains(body, tc.reason) {
			t.Errorf("%s: got %d %q, want %d naming %q", tc.name, resp.StatusCode, body, tc.status, tc.reason)
		}
	}
	st := s.engines["/order"].Stats()
	if r := st.Refused; r[wscore.RefusedBadRequest] != 1 || r[wscore.RefusedVersion] != 1 || r[wscore.RefusedOrigin] != 1 || r[wscore.RefusedCapacity] != 1 {
		t.Errorf("refused by reason: %v, want one of each", r)
	}
	echoOnce(t, holder, websocket.TextMessage, []byte("still open"))
}

// testGarbage sends requests no client should send; the server must answer
// or close each, and keep serving.
func testGarbage(t *testing.T, setup Setup) {
	s := start(t, setup, Route{Path: "/g"})
	key := wstest.NewKey()
	head := "GET /g HTTP/1.1\r\nHost: " + s.addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
	for i, raw := range []string{
		"\x00\x01\x02\x03\r\n\r\n",
		"GET /g HTTP/1.1\r\n\r\n",
		head + "Sec-WebSocket-Key: " + strings.Repeat("A", 8000) + "\r\n\r\n",
		head + "Sec-WebSocket-Key: " + key + "\r\nOrigin: \xff\xfe://\x00\r\n\r\n",
		head + "Sec-WebSocket-Key: " + key + "\r\nOrigin: http://[::1\r\n\r\n",
		head + "Sec-WebSocket-Key: " + key + "\r\nX-Forwarded-For: ,,,\r\n\r\n",
		head + "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n",
		head + "Sec-WebSocket-Key: " + key + "\r\nno colon here\r\n\r\n",
		"GET /g?%zz HTTP/1.1\r\nHost: " + s.addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + key + "\r\n\r\n",
		"GET /g HTTP/1.1\r\nHost: " + s.addr + "\r\nUpgrade: WebSocket, h2c\r\nConnection: keep-alive, UPGRADE\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + key + "\r\n\r\n",
	} {
		conn, err := net.DialTimeout("tcp", s.addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(conn, raw)
		buf := make([]byte, 512)
		n, err := conn.Read(buf)
		conn.Close()
		if n == 0 && !errors.Is(err, io.EOF) && !isReset(err) {
			t.Errorf("request %d: no answer and no close: %v", i, err)
		}
	}
	c := mustDial(t, s.ws("/g"), nil)
	echoOnce(t, c, websocket.TextMessage, []byte("still serving"))
}

func isReset(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && !oe.Timeout()
}

func testTwoRoutes(t *testing.T, setup Setup) {
	s := start(t, setup,
		Route{Path: "/a", Options: wscore.Options{MaxConnections: 1, AllowedOrigins: []string{"https://a.example"}}},
		Route{Path: "/b", Options: wscore.Options{MaxConnections: 1, AllowedOrigins: []string{"https://b.example"}, DisableWebStatus: true}},
	)
	originA, originB := http.Header{"Origin": {"https://a.example"}}, http.Header{"Origin": {"https://b.example"}}
	a := mustDial(t, s.ws("/a"), originA)
	wantRefused(t, s.ws("/b"), originA, http.StatusForbidden, "origin")
	b := mustDial(t, s.ws("/b"), originB) // /a's connection does not count here
	wantRefused(t, s.ws("/a"), originA, http.StatusServiceUnavailable, "too many")
	wantRefused(t, s.ws("/a"), originB, http.StatusForbidden, "origin")
	echoOnce(t, a, websocket.TextMessage, []byte("a"))
	echoOnce(t, b, websocket.TextMessage, []byte("b"))

	if code, _, _ := get(t, s.base+"/a", nil); code != http.StatusOK {
		t.Errorf("GET /a: %d, want the status page", code)
	}
	if code, _, _ := get(t, s.base+"/b", nil); code != http.StatusUpgradeRequired {
		t.Errorf("GET /b: %d, want 426 (status page off)", code)
	}
	sa, sb := s.engines["/a"].Stats(), s.engines["/b"].Stats()
	if sa.Open != 1 || sa.Accepted != 1 || sa.Refused[wscore.RefusedCapacity] != 1 || sa.Refused[wscore.RefusedOrigin] != 1 {
		t.Errorf("/a stats: %+v", sa)
	}
	if sb.Open != 1 || sb.Accepted != 1 || sb.Refused[wscore.RefusedOrigin] != 1 || sb.Refused[wscore.RefusedCapacity] != 0 {
		t.Errorf("/b stats: %+v", sb)
	}
	if m := statusJSON(t, s.base+"/a"); m["route"] != "/a" || m["open"] != 1.0 {
		t.Errorf("/a status: %v", m)
	}
}

func testMiddlewareForm(t *testing.T, setup Setup) {
	s := start(t, setup, Route{Path: "/mw", Middleware: true})
	code, _, body := get(t, s.base+"/mw", nil)
	if code != http.StatusOK || body != NextBody("/mw") {
		t.Fatalf("plain GET through the middleware: %d %q, want the next handler's %q", code, body, NextBody("/mw"))
	}
	c := mustDial(t, s.ws("/mw"), nil)
	echoOnce(t, c, websocket.TextMessage, []byte("through the middleware"))
	resp := rawHandshake(t, s.addr, wstest.Handshake{Path: "/mw", Header: http.Header{"Sec-WebSocket-Key": {""}}})
	if body := bodyOf(resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Sec-WebSocket-Key") {
		t.Errorf("malformed upgrade through the middleware: %d %q", resp.StatusCode, body)
	}
	closeClean(t, c)
}

func testXForwardedFor(t *testing.T, setup Setup) {
	s := start(t, setup,
		Route{Path: "/xff0"},
		Route{Path: "/xff1", Options: wscore.Options{TrustXForwardedFor: 1}},
		Route{Path: "/xff2", Options: wscore.Options{TrustXForwardedFor: 2}},
	)
	for _, tc := range []struct {
		path   string
		header []string
		want   string // "" means the TCP peer
	}{
		{"/xff0", []string{"203.0.113.7, 198.51.100.2"}, ""},
		{"/xff1", []string{"203.0.113.7, 198.51.100.2"}, "198.51.100.2"},
		{"/xff2", []string{"203.0.113.7, 198.51.100.2"}, "203.0.113.7"},
		{"/xff2", []string{"198.51.100.2"}, "198.51.100.2"},
		{"/xff1", nil, ""},
		{"/xff1", []string{"not an address"}, ""},
		{"/xff2", []string{"192.0.2.1", "203.0.113.7, 198.51.100.2"}, "203.0.113.7"},
	} {
		var h http.Header
		if tc.header != nil {
			h = http.Header{"X-Forwarded-For": tc.header}
		}
		c := mustDial(t, s.ws(tc.path), h)
		id := whoami(t, c)
		c.Close()
		want := tc.want
		if want == "" {
			want = c.LocalAddr().String() // the server's TCP peer is this client
		}
		if id.Peer != want {
			t.Errorf("%s with X-Forwarded-For %q: peer %q, want %q", tc.path, tc.header, id.Peer, want)
		}
	}
}

func testParamsAndValues(t *testing.T, setup Setup) {
	r := Route{Path: "/rooms/:room", Values: map[string]string{"user": "alice"}}
	s := start(t, setup, r)
	c := mustDial(t, s.ws("/rooms/42?q=hello"), http.Header{"X-Probe": {"p-1"}})
	id := whoami(t, c)
	if id.Path != "/rooms/42" || id.Query != "hello" || id.Probe != "p-1" || !reflect.DeepEqual(id.Params, map[string]string{"room": "42"}) {
		t.Errorf("request seen by OnConnect: %+v", id)
	}
	if !setup.NoValues && id.Values["user"] != "alice" {
		t.Errorf("values: %v, want user=alice", id.Values)
	}
	if m := statusJSON(t, s.base+"/rooms/7"); m["route"] != "/rooms/:room" && m["route"] != "/rooms/{room}" {
		t.Errorf("status route of a parameterized route: %v", m["route"])
	}
}

// testRequestOutlivesHandler checks that what OnConnect kept of the request
// is a copy: many handshakes with distinct values run while plain requests
// churn the framework's pooled request state, and every connection then asks
// what it saw, after its handler has long returned.
func testRequestOutlivesHandler(t *testing.T, setup Setup) {
	s := start(t, setup, Route{Path: "/rooms/:room", Values: map[string]string{"user": "alice"}})
	const n = 16
	stop := make(chan struct{})
	var churn sync.WaitGroup
	churn.Add(1)
	go func() {
		defer churn.Done()
		client := &http.Client{Timeout: 5 * time.Second}
		defer client.CloseIdleConnections()
		for i := 0; i < 2000; i++ {
			select {
			case <-stop:
				return
			default:
			}
			req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/rooms/churn-%d?q=churn", s.base, i), nil)
			req.Header.Set("X-Probe", "churn")
			req.Header.Set("Accept", "application/json")
			if resp, err := client.Do(req); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
	}()
	conns := make([]*websocket.Conn, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
			c, resp, err := d.Dial(s.ws(fmt.Sprintf("/rooms/r%d?q=q%d", i, i)), http.Header{"X-Probe": {fmt.Sprintf("p%d", i)}})
			if err != nil {
				errs <- fmt.Errorf("dial %d: %v (%s)", i, err, describe(resp))
				return
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	time.Sleep(50 * time.Millisecond) // let the churn reuse the handlers' state
	for i, c := range conns {
		if c == nil {
			continue
		}
		t.Cleanup(func() { c.Close() })
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		id := whoami(t, c)
		if id.Path != fmt.Sprintf("/rooms/r%d", i) || id.Params["room"] != fmt.Sprintf("r%d", i) ||
			id.Query != fmt.Sprintf("q%d", i) || id.Probe != fmt.Sprintf("p%d", i) ||
			(!setup.NoValues && id.Values["user"] != "alice") {
			t.Errorf("connection %d saw %+v", i, id)
		}
	}
	close(stop)
	churn.Wait()
}

// testFramesBehindHandshake sends the first frames in the same write as the
// handshake: the framework has read them with the request head and the
// adapter must hand them to the engine.
func testFramesBehindHandshake(t *testing.T, setup Setup) {
	s := start(t, setup, Route{Path: "/f"})
	key := wstest.NewKey()
	req := "GET /f HTTP/1.1\r\nHost: " + s.addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + key + "\r\n\r\n"
	frames := append(wstest.EncodeFrame(masked(wstest.Text("first"))), wstest.EncodeFrame(masked(wstest.Binary([]byte{1, 2, 3})))...)
	c, resp, err := wstest.Dial(s.addr, wstest.Handshake{Raw: req + string(frames)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != wstest.AcceptFor(key) {
		t.Fatalf("handshake: %d %q", resp.StatusCode, resp.Header.Get("Sec-WebSocket-Accept"))
	}
	for _, want := range []wstest.Frame{wstest.Text("first"), wstest.Binary([]byte{1, 2, 3})} {
		op, payload, _, err := c.ReadMessage(5 * time.Second)
		if err != nil || op != want.Op || !bytes.Equal(payload, want.Payload) {
			t.Fatalf("echo of a frame sent behind the handshake: op %d %q %v, want %q", op, payload, err, want.Payload)
		}
	}
}

func masked(f wstest.Frame) wstest.Frame {
	f.Masked = true
	f.Key = [4]byte{0x11, 0x22, 0x33, 0x44}
	return f
}

// testServerCloses checks that the engine controls the socket it was given:
// a closing handshake it starts completes, and Conn.Close drops TCP at once.
func testServerCloses(t *testing.T, setup Setup) {
	s := start(t, setup, Route{Path: "/c"})
	c := mustDial(t, s.ws("/c"), nil)
	c.WriteMessage(websocket.TextMessage, []byte(Bye))
	if _, _, err := c.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Fatalf("server-initiated close: %v", err)
	}
	d := mustDial(t, s.ws("/c"), nil)
	start := time.Now()
	d.WriteMessage(websocket.TextMessage, []byte(Drop))
	_, _, err := d.ReadMessage()
	if err == nil || websocket.IsCloseError(err, websocket.CloseNormalClosure) || time.Since(start) > 2*time.Second {
		t.Fatalf("Conn.Close: want the TCP connection dropped at once, got %v after %v", err, time.Since(start))
	}
	WaitOpen(t, s.engines["/c"], 0, 5*time.Second)
}

// WaitOpen waits until e has n open connections, and fails t if it does not
// within timeout: a client's handshake completes just before the engine
// registers the connection, and a close is seen by the client before the
// engine has counted it.
func WaitOpen(t testing.TB, e *wscore.Server, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for e.Stats().Open != n {
		if time.Now().After(deadline) {
			t.Fatalf("open connections: %d, want %d", e.Stats().Open, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// testShutdown shuts the engine down under open connections: each gets 1001,
// and new handshakes get 503, while the framework keeps serving.
func testShutdown(t *testing.T, setup Setup) {
	s := start(t, setup, Route{Path: "/s"})
	var conns []*websocket.Conn
	for i := 0; i < 3; i++ {
		conns = append(conns, mustDial(t, s.ws("/s"), nil))
	}
	// The engine registers a connection just after writing its 101, so the
	// client can be ahead of it; Shutdown only closes registered connections.
	WaitOpen(t, s.engines["/s"], len(conns), 5*time.Second)
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- s.engines["/s"].Shutdown(ctx)
	}()
	for i, c := range conns {
		_, _, err := c.ReadMessage()
		if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
			t.Errorf("connection %d: %v, want close 1001", i, err)
		}
		c.Close() // gorilla does not answer the close frame itself
	}
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	WaitOpen(t, s.engines["/s"], 0, 5*time.Second)
	wantRefused(t, s.ws("/s"), nil, http.StatusServiceUnavailable, "shutting down")
}
