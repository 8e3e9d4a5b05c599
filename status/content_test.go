package status

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsplug/wsplug/wscore"
)

type echoProto struct{ wscore.BaseServerProtocol }

func (echoProto) OnMessage(c *wscore.Conn, p []byte, bin bool) { c.SendMessage(p, bin) }

// route serves s as a handler-form route does: upgrades to the engine, plain
// requests to the status page. It stops when the test ends.
func route(t *testing.T, s *wscore.Server) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if wscore.IsUpgradeRequest(r.Header) {
			s.Upgrade(w, r)
			return
		}
		Respond(s, Request{Method: r.Method, Accept: AcceptHeader(r.Header), Route: "/live"}).Write(w)
	}))
	t.Cleanup(func() {
		ts.Close()
		s.Shutdown(t.Context())
	})
	return ts
}

func fetch(t *testing.T, url string, h http.Header) (string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, vs := range h {
		req.Header[k] = vs
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %q", url, resp.StatusCode, b)
	}
	return string(b), resp.Header
}

// traffic runs a compressing gorilla client through s (n echoes of msg, then
// a clean close) and two refused handshakes, and waits until the engine has
// counted all of it.
func traffic(t *testing.T, ts *httptest.Server, s *wscore.Server, n int, msg string) {
	t.Helper()
	ws := "ws" + strings.TrimPrefix(ts.URL, "http")
	d := websocket.Dialer{EnableCompression: true, HandshakeTimeout: 5 * time.Second}
	c, resp, err := d.Dial(ws, http.Header{"Origin": {"https://app.example.com"}, "X-Secret": {"hunter2-header"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ext := resp.Header.Get("Sec-WebSocket-Extensions"); !strings.HasPrefix(ext, "permessage-deflate") {
		t.Fatalf("no compression negotiated: %q", ext)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for i := 0; i < n; i++ {
		if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		if _, got, err := c.ReadMessage(); err != nil || string(got) != msg {
			t.Fatalf("echo %d: %d bytes, %v", i, len(got), err)
		}
	}
	c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	c.ReadMessage() // the server's close
	c.Close()       // gorilla leaves TCP to us

	for _, h := range []http.Header{{"Origin": {"https://evil.test"}}, {"Sec-WebSocket-Version": {"7"}}} {
		if c, _, err := d.Dial(ws, h); err == nil {
			c.Close()
			t.Fatalf("%v: upgraded, want a refusal", h)
		}
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		st := s.Stats()
		if st.Open == 0 && st.MessagesOut == uint64(n) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("engine did not settle: %+v", st)
		}
	}
}

func compressingServer(t *testing.T) *wscore.Server {
	s, err := wscore.NewServer(func() wscore.ServerProtocol { return echoProto{} }, wscore.Options{
		Server:                      "content-test",
		Subprotocols:                []string{"chat.v2"},
		AllowedOrigins:              []string{"https://*.example.com:*"},
		MaxConnections:              42,
		MaxMessagePayloadSize:       1 << 20,
		MaxFramePayloadSize:         64 << 10,
		PerMessageCompressionAccept: wscore.DefaultDeflateAccept,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPageContent reads the HTML page after real traffic: it shows what
// DESIGN's "The status page" lists (versions, subprotocols, compression,
// limits, allowed origins, refused by reason, bytes in and out, the
// compression ratio, uptime) and nothing of the peers or their headers.
func TestPageContent(t *testing.T) {
	s := compressingServer(t)
	ts := route(t, s)
	traffic(t, ts, s, 5, strings.Repeat("status pages count compressed bytes too. ", 50))
	st := s.Stats()

	body, h := fetch(t, ts.URL, http.Header{
		"Accept":     {"text/html"},
		"User-Agent": {"agent-marker/1.0"},
		"Cookie":     {"session=cookie-marker"},
	})
	if !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Fatalf("Content-Type %q", h.Get("Content-Type"))
	}
	ratio := Collect(s, "/live").CompressionRatio
	if ratio == nil || *ratio <= 1 {
		t.Fatalf("compression ratio %v after compressible traffic", ratio)
	}
	for what, want := range map[string]string{
		"server":               `data-k="server">content-test</span>`,
		"route":                `data-k="route">/live</code>`,
		"versions":             `<dt>Protocol versions</dt><dd>13, 8</dd>`,
		"subprotocols":         `<dt>Subprotocols</dt><dd><code>chat.v2</code></dd>`,
		"compression":          `<dt>Compression</dt><dd>permessage-deflate</dd>`,
		"max connections":      `<dt>Max connections</dt><dd>42</dd>`,
		"max message size":     `<dt>Max message size</dt><dd>1.00 MiB</dd>`,
		"max frame size":       `<dt>Max frame size</dt><dd>64.0 KiB</dd>`,
		"allowed origins":      `<dt>Allowed origins</dt><dd><code>https://*.example.com:*</code></dd>`,
		"refused: origin":      `<li><span>Origin not allowed</span><b>1</b></li>`,
		"refused: version":     `<li><span>Unsupported version</span><b>1</b></li>`,
		"refused total":        `data-k="refused_total">2</p>`,
		"accepted":             `data-k="accepted">1</p>`,
		"messages in":          `data-k="messages_in">5</span>`,
		"messages out":         `data-k="messages_out">5</span>`,
		"bytes in":             `data-k="bytes_in" title="` + strconv.FormatUint(st.BytesIn, 10) + ` bytes">` + formatBytes(st.BytesIn) + `</span>`,
		"bytes out":            `data-k="bytes_out" title="` + strconv.FormatUint(st.BytesOut, 10) + ` bytes">` + formatBytes(st.BytesOut) + `</span>`,
		"compression ratio":    `data-k="compression_ratio">` + formatRatio(ratio) + `</p>`,
		"compression hint":     `<p class="hint">permessage-deflate</p>`,
		"uptime":               `data-k="uptime_seconds" title="`,
		"uptime label":         `<h2>Uptime</h2>`,
		"console to the route": `id="console-input"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("%s: page lacks %s", what, want)
		}
	}
	if st.BytesIn < 5*2000 {
		t.Errorf("bytes in %d: the traffic was not counted", st.BytesIn)
	}
	// Nothing a stranger should not see: no peer addresses, no request
	// headers, neither the client's nor the page request's.
	for _, secret := range []string{"127.0.0.1", "hunter2", "agent-marker", "cookie-marker", "app.example.com", "evil.test", ts.Listener.Addr().String()} {
		if strings.Contains(body, secret) {
			t.Errorf("the page reveals %q", secret)
		}
	}
}

// TestJSONCompressionRatio: after compressed traffic (gorilla with
// permessage-deflate, the server with DefaultDeflateAccept) the JSON's
// compression_ratio is a number above 1.
func TestJSONCompressionRatio(t *testing.T) {
	s := compressingServer(t)
	ts := route(t, s)
	if m := statusMap(t, ts.URL); m["compression_ratio"] != nil {
		t.Fatalf("compression_ratio before any traffic: %v, want null", m["compression_ratio"])
	}
	traffic(t, ts, s, 3, strings.Repeat("a compressible line of text. ", 100))
	m := statusMap(t, ts.URL)
	r, ok := m["compression_ratio"].(float64)
	if !ok || r <= 1 {
		t.Fatalf("compression_ratio %v (%T), want a number > 1", m["compression_ratio"], m["compression_ratio"])
	}
	if opts := m["options"].(map[string]any); opts["compression"] != true {
		t.Errorf("options.compression: %v", opts["compression"])
	}
	if m["bytes_in"].(float64) < 3*2900 || m["refused"].(map[string]any)[wscore.RefusedOrigin] != 1.0 {
		t.Errorf("counters: %v", m)
	}
}

func statusMap(t *testing.T, url string) map[string]any {
	t.Helper()
	body, h := fetch(t, url, http.Header{"Accept": {"application/json"}})
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil || h.Get("Content-Type") != "application/json" {
		t.Fatalf("JSON: %v %q", err, body)
	}
	return m
}
