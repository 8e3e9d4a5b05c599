package examples

import (
	"encoding/json"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// The README's main job: go run ./examples/echo, through each framework. It
// serves the WebSocket and its status page (HTML and JSON) on "/", accepts
// permessage-deflate, keeps same-origin, and shuts down with 1001 on SIGTERM.
func TestEchoExample(t *testing.T) {
	t.Parallel()
	bin := buildExample(t, "echo")
	for _, fw := range []string{"nethttp", "gin", "echo", "fiber"} {
		t.Run(fw, func(t *testing.T) {
			t.Parallel()
			p := startProc(t, bin, "-addr", "127.0.0.1:0", "-framework", fw)
			page := p.url
			if !strings.HasPrefix(page, "http://127.0.0.1:") || !strings.HasSuffix(page, "/") {
				t.Fatalf("printed %q first, want the status page's http:// URL", page)
			}
			p.waitOutput(t, "ws://"+hostOf(page)+"/") // the WebSocket's URL too

			code, ctype, body := get(t, page, "")
			if code != 200 || !strings.HasPrefix(ctype, "text/html") || !strings.Contains(body, "console") {
				t.Errorf("GET %s: %d %s %.200q", page, code, ctype, body)
			}
			code, ctype, body = get(t, page, "application/json")
			var snap struct {
				Route   string
				Options struct {
					Compression    bool     `json:"compression"`
					AllowedOrigins []string `json:"allowed_origins"`
				}
			}
			if err := json.Unmarshal([]byte(body), &snap); code != 200 || err != nil ||
				snap.Route != "/" || !snap.Options.Compression || len(snap.Options.AllowedOrigins) != 0 {
				t.Errorf("GET %s as JSON: %d %s %+v %v", page, code, ctype, snap, err)
			}
			if code, _, _ := get(t, page+"elsewhere", ""); code != http.StatusNotFound {
				t.Errorf("GET /elsewhere: %d, want 404 (the route is / only)", code)
			}

			// A browser on another origin is refused; the same origin passes.
			ws := wsURL(page)
			if code := dialStatus(t, ws, http.Header{"Origin": {"https://evil.example"}}); code != http.StatusForbidden {
				t.Errorf("foreign origin: %d, want 403", code)
			}
			d := websocket.Dialer{EnableCompression: true, HandshakeTimeout: 5 * time.Second}
			c, resp, err := d.Dial(ws, http.Header{"Origin": {"http://" + hostOf(page)}})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if ext := resp.Header.Get("Sec-WebSocket-Extensions"); !strings.HasPrefix(ext, "permessage-deflate") {
				t.Errorf("Sec-WebSocket-Extensions %q: compression not accepted", ext)
			}
			r := newReader(c)
			msg := strings.Repeat("echo example, compressed ", 200)
			for _, m := range []string{"hello", msg} {
				if err := c.WriteMessage(websocket.TextMessage, []byte(m)); err != nil {
					t.Fatal(err)
				}
				if got := r.next(t); got != m {
					t.Fatalf("echo: %d bytes, want %d", len(got), len(m))
				}
			}

			// Graceful shutdown: the open connection gets 1001, the process exits 0.
			if err := p.stop(t, syscall.SIGTERM); err != nil {
				t.Errorf("exit after SIGTERM: %v\n%s", err, p.output())
			}
			if ce := r.closed(t); ce.Code != websocket.CloseGoingAway {
				t.Errorf("close code %d, want 1001", ce.Code)
			}
		})
	}
}
