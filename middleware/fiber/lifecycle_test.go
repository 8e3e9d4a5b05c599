package wsfiber_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gorilla/websocket"

	"github.com/wsplug/wsplug/internal/adaptertest"
	wsfiber "github.com/wsplug/wsplug/middleware/fiber"
	"github.com/wsplug/wsplug/wscore"
)

// recorder echoes and reports, from OnOpen on (after fiber's handler has
// returned and its context went back to the pool), what it was given.
type recorder struct {
	wscore.BaseServerProtocol
	seen chan string
}

func (p *recorder) OnOpen(c *wscore.Conn) {
	time.Sleep(2 * time.Millisecond) // let fiber reuse the context meanwhile
	r := c.Request()
	raw, _ := r.Values["raw"].([]byte)
	p.seen <- fmt.Sprintf("%s %s %s %v %s", r.Path, r.Header.Get("X-N"), r.Params["n"], r.Values["n"], raw)
}

func (p *recorder) OnMessage(c *wscore.Conn, b []byte, bin bool) { c.SendMessage(b, bin) }

// TestHijackLifecycle runs many short connections through fiber's hijack,
// closed every way (client close, client drop, engine shutdown), with plain
// requests reusing fiber's pooled contexts in between. Under -race it shows
// that nothing of the pooled context is touched once the handler returned,
// and that every hijacked socket ends.
func TestHijackLifecycle(t *testing.T) {
	seen := make(chan string, 100)
	rt, err := wsfiber.NewRoute(wsfiber.Config{Factory: func() wscore.ServerProtocol { return &recorder{seen: seen} }})
	if err != nil {
		t.Fatal(err)
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/n/:n", func(c *fiber.Ctx) error {
		c.Locals("n", c.Params("n"))                    // a string aliasing fasthttp's buffer
		c.Locals("raw", c.Request().Header.Peek("X-N")) // a []byte aliasing it
		return c.Next()
	}, rt.Handler())
	base := serve(t, app)
	addr := strings.TrimPrefix(base, "http://")

	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() { // churn: plain requests through the same pool
		defer wg.Done()
		client := &http.Client{Timeout: 5 * time.Second}
		defer client.CloseIdleConnections()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			req, _ := http.NewRequest("GET", fmt.Sprintf("%s/n/churn%d", base, i), nil)
			req.Header.Set("X-N", "churn")
			if resp, err := client.Do(req); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
	}()

	const n = 40
	for i := 0; i < n; i++ {
		c, _, err := websocket.DefaultDialer.Dial(fmt.Sprintf("ws://%s/n/%d", addr, i), http.Header{"X-N": {fmt.Sprint(i)}})
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("/n/%d %d %d %d %d", i, i, i, i, i)
		if got := <-seen; got != want {
			t.Errorf("connection %d saw %q, want %q", i, got, want)
		}
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		c.WriteMessage(websocket.TextMessage, []byte("ping"))
		if _, p, err := c.ReadMessage(); err != nil || string(p) != "ping" {
			t.Fatalf("connection %d: echo %q %v", i, p, err)
		}
		switch i % 3 {
		case 0: // closing handshake
			c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""))
			c.ReadMessage()
			c.Close()
		case 1: // the client vanishes
			c.UnderlyingConn().(*net.TCPConn).SetLinger(0)
			c.Close()
		case 2: // left open for Shutdown
			defer c.Close()
		}
	}
	close(stop)
	wg.Wait()

	ctx := t.Context()
	if err := rt.Server().Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	st := rt.Server().Stats()
	if st.Open != 0 || st.Accepted != n {
		t.Fatalf("after shutdown: %+v", st)
	}
}

// TestLocalsAreCopied: Locals holding strings or byte slices the
// application changes once the handler chain returns (as fasthttp does with
// its buffers) reach the connection as they were during the handshake.
func TestLocalsAreCopied(t *testing.T) {
	seen := make(chan string, 1)
	rt, err := wsfiber.NewRoute(wsfiber.Config{Factory: func() wscore.ServerProtocol { return &valuesRecorder{seen: seen} }})
	if err != nil {
		t.Fatal(err)
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/ws", func(c *fiber.Ctx) error {
		buf := []byte("during the handshake")
		c.Locals("bytes", buf)
		c.Locals("other", 42)
		err := c.Next()
		copy(buf, "overwritten afterwards")
		return err
	}, rt.Handler())
	base := serve(t, app)
	t.Cleanup(func() { rt.Server().Shutdown(t.Context()) })

	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select {
	case got := <-seen:
		if want := "during the handshake 42"; got != want {
			t.Errorf("OnOpen saw %q, want %q", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no OnOpen")
	}
}

// valuesRecorder reports, from OnOpen, the Values OnConnect was given.
type valuesRecorder struct {
	wscore.BaseServerProtocol
	seen chan string
}

func (p *valuesRecorder) OnOpen(c *wscore.Conn) {
	b, _ := c.Request().Values["bytes"].([]byte)
	p.seen <- fmt.Sprintf("%s %v", b, c.Request().Values["other"])
}

func TestIsWebSocketUpgrade(t *testing.T) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString(fmt.Sprint(wsfiber.IsWebSocketUpgrade(c))) })
	for upgrade, want := range map[string]string{"": "false", "websocket": "true", "h2c, WebSocket": "true", "h2c": "false"} {
		req, _ := http.NewRequest("GET", "http://example.test/", nil)
		if upgrade != "" {
			req.Header.Set("Upgrade", upgrade)
		}
		resp, err := app.Test(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if string(b) != want {
			t.Errorf("Upgrade %q: %s, want %s", upgrade, b, want)
		}
	}
}

func TestConfig(t *testing.T) {
	if _, err := wsfiber.NewRoute(wsfiber.Config{}); !errors.Is(err, wscore.ErrNoFactory) {
		t.Errorf("NewRoute without Factory or Server: %v, want ErrNoFactory", err)
	}
	_, err := wsfiber.NewRoute(wsfiber.Config{Factory: adaptertest.NewBase, Options: wscore.Options{AutoPingSize: 200}})
	var oe *wscore.OptionError
	if !errors.As(err, &oe) || oe.Field != "AutoPingSize" {
		t.Errorf("NewRoute with a bad option: %v, want an *OptionError for AutoPingSize", err)
	}
	for name, tc := range map[string]struct {
		f         func()
		noFactory bool
	}{
		"New()":           {func() { wsfiber.New() }, true},
		"NewMiddleware()": {func() { wsfiber.NewMiddleware() }, true},
		"New with a bad option": {func() {
			wsfiber.New(wsfiber.Config{Factory: adaptertest.NewBase, Options: wscore.Options{MaxConnections: -2}})
		}, false},
		"NewMiddleware with a bad option": {func() {
			wsfiber.NewMiddleware(wsfiber.Config{Factory: adaptertest.NewBase, Options: wscore.Options{MaxConnections: -2}})
		}, false},
	} {
		err := adaptertest.MustPanic(t, name, tc.f)
		if err == nil {
			continue
		}
		if tc.noFactory && !errors.Is(err, wscore.ErrNoFactory) {
			t.Errorf("%s panicked with %v, want ErrNoFactory", name, err)
		}
		if !tc.noFactory && (!errors.As(err, &oe) || oe.Field != "MaxConnections") {
			t.Errorf("%s panicked with %v, want an *OptionError for MaxConnections", name, err)
		}
	}
	// Next skips the route: the request goes on (here to fiber's 404).
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/ws", wsfiber.New(wsfiber.Config{Factory: adaptertest.NewBase, Next: func(c *fiber.Ctx) bool { return c.Query("skip") != "" }}))
	for url, want := range map[string]int{"/ws": 200, "/ws?skip=1": 404} {
		resp, err := app.Test(httptestRequest(url))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", url, resp.StatusCode, want)
		}
	}
}

func httptestRequest(url string) *http.Request {
	req, _ := http.NewRequest("GET", "http://example.test"+url, nil)
	return req
}
