package status

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/wsplug/wsplug/wscore"
)

func newServer(t *testing.T, opts wscore.Options) *wscore.Server {
	t.Helper()
	s, err := wscore.NewServer(func() wscore.ServerProtocol { return wscore.BaseServerProtocol{} }, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPrefersJSON(t *testing.T) {
	for _, tc := range []struct {
		accept string
		want   bool
	}{
		{"", false},
		{"*/*", false},
		{"application/json", true},
		{"Application/JSON", true},
		{"text/html", false},
		{"text/html,application/json", false},
		{"application/json,text/html", false}, // a tie goes to HTML
		{"application/json, */*;q=0.1", true},
		{"text/html;q=0.5, application/json", true},
		{"application/*", true},
		{"application/*, text/*;q=0.9", true},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", false},
		{"application/json;q=0", false},
		{"application/json;q=NaN", false},
		{"application/json;q=2", false},
		{"application/json;q=0.5, text/html;q=0.4", true},
		{"application/json; charset=utf-8", true},
		{";;;,,,/", false},
	} {
		if got := PrefersJSON(tc.accept); got != tc.want {
			t.Errorf("PrefersJSON(%q) = %v, want %v", tc.accept, got, tc.want)
		}
	}
}

func FuzzPrefersJSON(f *testing.F) {
	for _, s := range []string{"", "*/*", "application/json;q=0.3, text/html;q=0.2", "a/b;q=x;q=1,,", strings.Repeat("text/html,", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, accept string) {
		PrefersJSON(accept) // must not panic; work is bounded by maxAcceptItems
		if q := quality(accept, "application", "json"); !(q >= 0 && q <= 1) {
			t.Fatalf("quality out of range: %v", q)
		}
	})
}

func TestJSONFields(t *testing.T) {
	resp := Render(newServer(t, wscore.Options{}), Request{Method: "GET", Accept: "application/json", Route: "/ws"})
	var m map[string]any
	if err := json.Unmarshal(resp.Body, &m); err != nil {
		t.Fatal(err)
	}
	var got []string
	for k := range m {
		got = append(got, k)
	}
	sort.Strings(got)
	want := []string{"accepted", "bytes_in", "bytes_out", "compression_ratio", "messages_in", "messages_out", "open", "options", "refused", "route", "server", "uptime_seconds", "version"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("fields %v, want %v", got, want)
	}
	if m["compression_ratio"] != nil || m["refused"] == nil {
		t.Errorf("compression_ratio must be null, refused an object: %v", m)
	}
	opts := m["options"].(map[string]any)
	for _, k := range []string{"versions", "subprotocols", "allowed_origins"} {
		if _, ok := opts[k].([]any); !ok {
			t.Errorf("options.%s is %T, want an array", k, opts[k])
		}
	}
}

// TestCSPAllowsExactlyTheInlineAssets checks the hashes in the policy against
// the rendered page's own <style> and <script>.
func TestCSPAllowsExactlyTheInlineAssets(t *testing.T) {
	resp := Render(newServer(t, wscore.Options{}), Request{Method: "GET", Route: "/ws"})
	body := string(resp.Body)
	csp := resp.Header.Get("Content-Security-Policy")
	for _, tag := range []string{"style", "script"} {
		m := regexp.MustCompile(`(?s)<`+tag+`>(.*?)</`+tag+`>`).FindAllStringSubmatch(body, -1)
		if len(m) != 1 {
			t.Fatalf("want one inline <%s>, found %d", tag, len(m))
		}
		if h := hashSource(m[0][1]); !strings.Contains(csp, tag+"-src "+h) {
			t.Errorf("CSP %q does not allow the page's <%s> (%s)", csp, tag, h)
		}
	}
}

func TestEscaping(t *testing.T) {
	s := newServer(t, wscore.Options{Server: `<img src=x onerror=alert(1)>`})
	body := string(Render(s, Request{Method: "GET", Route: `/r"><script>x</script>`, ConsolePath: `"><b>`}).Body)
	for _, bad := range []string{`<img src=x`, `<script>x</script>`, `"><b>`} {
		if strings.Contains(body, bad) {
			t.Errorf("unescaped %q in the page", bad)
		}
	}
}

func TestRespond(t *testing.T) {
	on, off := newServer(t, wscore.Options{}), newServer(t, wscore.Options{DisableWebStatus: true})
	for _, tc := range []struct {
		s      *wscore.Server
		method string
		want   int
	}{
		{on, "GET", 200}, {on, "HEAD", 200}, {on, "POST", 426}, {off, "GET", 426},
	} {
		resp := Respond(tc.s, Request{Method: tc.method, Route: "/"})
		if resp.Status != tc.want {
			t.Errorf("%s (status page off: %v): %d, want %d", tc.method, tc.s == off, resp.Status, tc.want)
		}
		if resp.Status == 426 && resp.Header.Get("Upgrade") != "websocket" {
			t.Errorf("426 without Upgrade: websocket")
		}
	}
	if r := Render(off, Request{Method: "GET"}); r.Status != 200 {
		t.Errorf("Render ignores DisableWebStatus (a mounted page is wanted): %d", r.Status)
	}
	if r := Render(on, Request{Method: "DELETE"}); r.Status != 405 || r.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("DELETE on a mounted page: %d %v", r.Status, r.Header)
	}
}

func TestHandler(t *testing.T) {
	ts := httptest.NewServer(Handler(newServer(t, wscore.Options{}), "/ws"))
	defer ts.Close()
	req, _ := http.NewRequest("GET", ts.URL, nil)
	req.Header.Add("Accept", "text/html;q=0.1")
	req.Header.Add("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var snap Snapshot
	if err := json.NewDecoder(resp.Body).Decode(&snap); err != nil || snap.Route != "/ws" {
		t.Fatalf("mounted page: %+v %v", snap, err)
	}
	if resp.Header.Get("Vary") != "Accept" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("headers: %v", resp.Header)
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{formatCount(1234567), "1,234,567"},
		{formatCount(uint64(999)), "999"},
		{formatBytes(1023), "1023 B"},
		{formatBytes(1536), "1.50 KiB"},
		{formatBytes(32 << 20), "32.0 MiB"},
		{formatUptime(59.9), "59s"},
		{formatUptime(3600*26 + 5), "1d 2h"},
		{formatSeconds(0.5), "0.5 s"},
		{formatLimit(0), "none"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
