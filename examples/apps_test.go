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

// routeStatus is the part of a status page's JSON the app tests check.
type routeStatus struct {
	Route   string `json:"route"`
	Options struct {
		Compression    bool     `json:"compression"`
		AllowedOrigins []string `json:"allowed_origins"`
		MaxConnections int      `json:"max_connections"`
	} `json:"options"`
}

func statusJSON(t *testing.T, url string) routeStatus {
	t.Helper()
	code, ctype, body := get(t, url, "application/json")
	var st routeStatus
	if err := json.Unmarshal([]byte(body), &st); code != 200 || !strings.HasPrefix(ctype, "application/json") || err != nil {
		t.Fatalf("GET %s as JSON: %d %s %v %.200q", url, code, ctype, err, body)
	}
	return st
}

// Each *-app example adds two WebSocket routes with different options to an
// existing app of its framework; the app's own routes and group middleware
// keep working, each route gets its own origins and compression, plain GETs
// get the status page (handler form) or the app's handler (middleware form).
func TestAppExamples(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"nethttp-app", "gin-app", "echo-app", "fiber-app"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := startProc(t, buildExample(t, name), "-addr", "127.0.0.1:0")
			base := p.url
			if !strings.HasPrefix(base, "http://127.0.0.1:") || !strings.HasSuffix(base, "/") {
				t.Fatalf("printed %q, want the app's http:// URL", base)
			}
			self := "http://" + hostOf(base)

			// The existing app.
			if code, ctype, body := get(t, base, ""); code != 200 || !strings.HasPrefix(ctype, "text/html") || !strings.Contains(body, "/live/echo") {
				t.Errorf("GET /: %d %s %.100q", code, ctype, body)
			}
			if code, _, body := get(t, base+"api/hello", ""); code != 200 || strings.TrimSpace(body) != `{"hello":"world"}` {
				t.Errorf("GET /api/hello: %d %q", code, body)
			}

			// /live/echo, handler form: the status page on plain GET.
			if code, ctype, body := get(t, base+"live/echo", ""); code != 200 || !strings.HasPrefix(ctype, "text/html") || !strings.Contains(body, "console") {
				t.Errorf("GET /live/echo: %d %s %.100q", code, ctype, body)
			}
			echoSt := statusJSON(t, base+"live/echo")
			if echoSt.Route != "/live/echo" || !echoSt.Options.Compression || len(echoSt.Options.AllowedOrigins) != 0 {
				t.Errorf("/live/echo status: %+v", echoSt)
			}
			// /live/feed, middleware form: the app's handler on plain GET
			// (with the group middleware's user), the status page elsewhere.
			code, _, body := get(t, base+"live/feed?user=ada", "")
			var fd struct {
				User  string   `json:"user"`
				Items []string `json:"items"`
			}
			if err := json.Unmarshal([]byte(body), &fd); code != 200 || err != nil || fd.User != "ada" || len(fd.Items) == 0 {
				t.Errorf("GET /live/feed: %d %q", code, body)
			}
			feedSt := statusJSON(t, base+"live/feed/status")
			if feedSt.Route != "/live/feed" || feedSt.Options.Compression || len(feedSt.Options.AllowedOrigins) != 3 || feedSt.Options.MaxConnections != 1000 {
				t.Errorf("/live/feed/status: %+v", feedSt)
			}

			// Origins, per route.
			ws := wsURL(base)
			for _, tc := range []struct {
				path, origin string
				want         int
			}{
				{"live/echo", self, 101},
				{"live/echo", "https://www.example.com", 403},
				{"live/echo", "https://evil.test", 403},
				{"live/feed", self, 101},
				{"live/feed", "https://www.example.com", 101},
				{"live/feed", "https://evil.test", 403},
				{"live/feed?user=mallory", self, 403}, // the group's middleware
				{"live/echo?user=mallory", self, 403},
			} {
				if got := dialStatus(t, ws+tc.path, http.Header{"Origin": {tc.origin}}); got != tc.want {
					t.Errorf("%s from %s: %d, want %d", tc.path, tc.origin, got, tc.want)
				}
			}

			// Compression, per route: both offered it.
			d := websocket.Dialer{EnableCompression: true, HandshakeTimeout: 5 * time.Second}
			ec, resp, err := d.Dial(ws+"live/echo", http.Header{"Origin": {self}})
			if err != nil {
				t.Fatal(err)
			}
			defer ec.Close()
			if ext := resp.Header.Get("Sec-WebSocket-Extensions"); !strings.HasPrefix(ext, "permessage-deflate") {
				t.Errorf("/live/echo: Sec-WebSocket-Extensions %q, want permessage-deflate", ext)
			}
			er := newReader(ec)
			msg := strings.Repeat("the app's echo ", 100)
			if err := ec.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
				t.Fatal(err)
			}
			if got := er.next(t); got != msg {
				t.Errorf("/live/echo: echo of %d bytes, got %d", len(msg), len(got))
			}

			fc, resp, err := d.Dial(ws+"live/feed?user=ada", http.Header{"Origin": {"https://www.example.com"}})
			if err != nil {
				t.Fatal(err)
			}
			defer fc.Close()
			if ext := resp.Header.Get("Sec-WebSocket-Extensions"); ext != "" {
				t.Errorf("/live/feed: Sec-WebSocket-Extensions %q, want none", ext)
			}
			fr := newReader(fc)
			fd.User = ""
			if err := json.Unmarshal([]byte(fr.next(t)), &fd); err != nil || fd.User != "ada" {
				t.Errorf("/live/feed over WebSocket: user %q (%v), want ada from the group middleware", fd.User, err)
			}

			// Shutdown closes both routes' connections with 1001.
			if err := p.stop(t, syscall.SIGTERM); err != nil {
				t.Errorf("exit after SIGTERM: %v\n%s", err, p.output())
			}
			for _, r := range []*reader{er, fr} {
				if ce := r.closed(t); ce.Code != websocket.CloseGoingAway {
					t.Errorf("close code %d, want 1001", ce.Code)
				}
			}
		})
	}
}
