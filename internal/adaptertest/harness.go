package adaptertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wsplug/wsplug/wscore"
)

// Route is one WebSocket route a scenario mounts.
type Route struct {
	// Path in the neutral syntax "/rooms/:room"; setups translate parameters
	// to their router's syntax (see Pattern).
	Path    string
	Options wscore.Options
	// Middleware mounts the route in middleware form, in front of a handler
	// that answers plain requests with NextBody(path).
	Middleware bool
	// Values are set as request-scoped values (gin c.Set, echo c.Set, fiber
	// Locals) by a middleware of the framework before the route's handler, and
	// must reach ConnectionRequest.Values.
	Values map[string]string
}

// Setup mounts routes on one adapter's framework.
type Setup struct {
	Name string
	// Start serves routes with the framework's router on 127.0.0.1 and returns
	// the base URL ("http://127.0.0.1:port") and each route's engine by Path.
	// It stops the HTTP server in a t.Cleanup; Run shuts the engines down after.
	Start func(t testing.TB, factory wscore.ServerProtocolFactory, routes []Route) (string, map[string]*wscore.Server)
	// NoValues: the framework has no request-scoped values (net/http).
	NoValues bool
	// IgnoreGoroutines are the framework's goroutines that outlive a test by
	// design (fasthttp's Date updater, its worker pools' cleaners): the
	// per-test leak check ignores them, as the package's TestMain does.
	IgnoreGoroutines []goleak.Option
}

// NextBody is what the next handler of a middleware-form route answers.
func NextBody(path string) string { return "next handler: " + path }

// Pattern rewrites the neutral ":name" parameters of path with format, for
// routers that spell them otherwise (net/http: "{%s}").
func Pattern(path, format string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") {
			segs[i] = fmt.Sprintf(format, s[1:])
		}
	}
	return strings.Join(segs, "/")
}

// Commands the probe protocol obeys instead of echoing them.
const (
	WhoAmI = "/whoami" // answer with an Identity
	Drop   = "/drop"   // drop the TCP connection at once (Conn.Close)
	Bye    = "/bye"    // start the closing handshake with 1000 "bye"
)

// Identity is what the probe protocol saw in OnConnect, as JSON.
type Identity struct {
	Peer   string            `json:"peer"`
	Path   string            `json:"path"`
	Params map[string]string `json:"params"`
	Values map[string]string `json:"values"`
	Probe  string            `json:"probe"` // the X-Probe request header
	Query  string            `json:"query"` // the "q" query parameter
}

// probe echoes every message, text as text and binary as binary, except
// WhoAmI, which it answers with what OnConnect saw.
type probe struct {
	wscore.BaseServerProtocol
	id Identity
}

func newProbe() wscore.ServerProtocol { return &probe{} }

func (p *probe) OnConnect(r *wscore.ConnectionRequest) (wscore.Accept, error) {
	p.id = Identity{Peer: r.Peer, Path: r.Path, Params: r.Params, Probe: r.Header.Get("X-Probe"), Query: r.Query.Get("q")}
	if len(r.Values) > 0 {
		p.id.Values = map[string]string{}
		for k, v := range r.Values {
			p.id.Values[k] = fmt.Sprint(v)
		}
	}
	return wscore.Accept{}, nil
}

func (p *probe) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	if !isBinary {
		switch string(payload) {
		case WhoAmI:
			b, _ := json.Marshal(p.id)
			c.SendMessage(b, false)
			return
		case Drop:
			c.Close()
			return
		case Bye:
			c.SendClose(wscore.CloseNormal, "bye")
			return
		}
	}
	c.SendMessage(payload, isBinary)
}

// server is a running setup.
type server struct {
	base    string // http://127.0.0.1:port
	addr    string
	engines map[string]*wscore.Server
}

func (s *server) ws(path string) string { return "ws" + strings.TrimPrefix(s.base, "http") + path }

// start runs setup with routes served by the probe protocol (see startWith).
func start(t *testing.T, setup Setup, routes ...Route) *server {
	t.Helper()
	return startWith(t, setup, newProbe, routes...)
}

// startWith runs setup with routes served by factory's protocol and shuts
// the engines down when the test ends, after the HTTP server has stopped.
// Then, last of the test's cleanups, it checks that the test left no
// goroutine behind: not the framework's, not the engine's, not the clients'.
func startWith(t *testing.T, setup Setup, factory wscore.ServerProtocolFactory, routes ...Route) *server {
	t.Helper()
	checkLeaks(t, setup)
	var engines map[string]*wscore.Server
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for path, e := range engines {
			if err := e.Shutdown(ctx); err != nil {
				t.Errorf("%s: engine shutdown: %v", path, err)
			}
		}
	})
	base, engines := setup.Start(t, factory, routes)
	for _, r := range routes {
		if engines[r.Path] == nil {
			t.Fatalf("setup %s returned no engine for %s", setup.Name, r.Path)
		}
	}
	return &server{base: base, addr: strings.TrimPrefix(base, "http://"), engines: engines}
}

// checkLeaks fails t if goroutines that were not there when it was called
// are still running when the test's cleanups are done: registered before
// every other cleanup, it runs after them all. Goroutines running at the
// start (other tests' paused in t.Parallel, a framework's lingering ones)
// are ignored, so parallel tests cannot make it flake; goleak retries for a
// while, so goroutines on their way out pass.
func checkLeaks(t *testing.T, setup Setup) {
	t.Helper()
	opts := append([]goleak.Option{goleak.IgnoreCurrent()}, setup.IgnoreGoroutines...)
	t.Cleanup(func() {
		if t.Failed() {
			return // the failure says more than the goroutines it stranded
		}
		goleak.VerifyNone(t, opts...)
	})
}

// get sends a plain GET with headers and returns status, headers and body.
func get(t *testing.T, url string, header http.Header) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil || b.Len() > 1<<20 {
			break
		}
	}
	return resp.StatusCode, resp.Header, b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
