package wsecho_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/wsplug/wsplug/internal/adaptertest"
	wsecho "github.com/wsplug/wsplug/middleware/echo"
	"github.com/wsplug/wsplug/wscore"
)

// The X and XWithConfig constructors panic on a bad configuration at
// start-up, as echo's middlewares do; NewRoute and Config.ToRoute return the
// error, typed by the engine.
func TestConfig(t *testing.T) {
	t.Parallel()
	for name, f := range map[string]func(wsecho.Config) (*wsecho.Route, error){
		"NewRoute":       wsecho.NewRoute,
		"Config.ToRoute": wsecho.Config.ToRoute,
	} {
		if _, err := f(wsecho.Config{}); !errors.Is(err, wscore.ErrNoFactory) {
			t.Errorf("%s without Factory or Server: %v, want ErrNoFactory", name, err)
		}
		_, err := f(wsecho.Config{Factory: adaptertest.NewBase, Options: wscore.Options{AutoPingSize: 200}})
		var oe *wscore.OptionError
		if !errors.As(err, &oe) || oe.Field != "AutoPingSize" {
			t.Errorf("%s with a bad option: %v, want an *OptionError for AutoPingSize", name, err)
		}
	}

	bad := wscore.Options{MaxConnections: -2}
	for name, tc := range map[string]struct {
		f         func()
		noFactory bool
	}{
		"Handler(nil, opts)":                     {func() { wsecho.Handler(nil, wscore.Options{}) }, true},
		"Handler with a bad option":              {func() { wsecho.Handler(adaptertest.NewBase, bad) }, false},
		"HandlerWithConfig without a Factory":    {func() { wsecho.HandlerWithConfig(wsecho.DefaultConfig()) }, true},
		"HandlerWithConfig with a bad option":    {func() { wsecho.HandlerWithConfig(wsecho.Config{Factory: adaptertest.NewBase, Options: bad}) }, false},
		"Middleware(nil, opts)":                  {func() { wsecho.Middleware(nil, wscore.Options{}) }, true},
		"Middleware with a bad option":           {func() { wsecho.Middleware(adaptertest.NewBase, bad) }, false},
		"MiddlewareWithConfig without a Factory": {func() { wsecho.MiddlewareWithConfig(wsecho.Config{}) }, true},
		"MiddlewareWithConfig with a bad option": {func() { wsecho.MiddlewareWithConfig(wsecho.Config{Factory: adaptertest.NewBase, Options: bad}) }, false},
	} {
		err := adaptertest.MustPanic(t, name, tc.f)
		if err == nil {
			continue
		}
		var oe *wscore.OptionError
		if tc.noFactory && !errors.Is(err, wscore.ErrNoFactory) {
			t.Errorf("%s panicked with %v, want ErrNoFactory", name, err)
		}
		if !tc.noFactory && (!errors.As(err, &oe) || oe.Field != "MaxConnections") {
			t.Errorf("%s panicked with %v, want an *OptionError for MaxConnections", name, err)
		}
	}

	// DefaultConfig skips nothing, and is a fresh value each time.
	cfg := wsecho.DefaultConfig()
	if cfg.Skipper == nil || cfg.Skipper(echo.New().NewContext(httptest.NewRequest("GET", "/", nil), httptest.NewRecorder())) {
		t.Error("DefaultConfig's Skipper must exist and skip nothing")
	}
	cfg.ContextKeys = append(cfg.ContextKeys, "user")
	if again := wsecho.DefaultConfig(); len(again.ContextKeys) != 0 {
		t.Errorf("DefaultConfig changed: %+v", again)
	}
}

// upgradeRequest is a valid WebSocket handshake request for httptest.
func upgradeRequest(target string) *http.Request {
	req := httptest.NewRequest("GET", target, nil)
	req.Header = http.Header{
		"Upgrade": {"websocket"}, "Connection": {"Upgrade"},
		"Sec-Websocket-Version": {"13"}, "Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="},
	}
	return req
}

// Skipper in both forms. The handler form has no next handler: a skipped
// request gets echo.ErrNotFound, what echo's router returns for a path
// without a handler, so the app's HTTPErrorHandler renders a 404. The
// middleware form passes a skipped request to next, upgrade or not.
func TestSkipper(t *testing.T) {
	t.Parallel()
	skip := func(c echo.Context) bool { return c.QueryParam("skip") != "" }
	rt, err := wsecho.NewRoute(wsecho.Config{Factory: adaptertest.NewBase, Skipper: skip})
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.GET("/h", rt.Handler())
	e.GET("/m", func(c echo.Context) error { return c.String(http.StatusOK, "next") }, rt.Middleware())

	for _, tc := range []struct {
		name string
		req  *http.Request
		code int
		body string // "" : not checked
	}{
		{"handler form, plain GET", httptest.NewRequest("GET", "/h", nil), 200, ""},
		{"handler form, skipped plain GET", httptest.NewRequest("GET", "/h?skip=1", nil), 404, ""},
		{"handler form, skipped upgrade", upgradeRequest("/h?skip=1"), 404, ""},
		{"middleware form, plain GET", httptest.NewRequest("GET", "/m", nil), 200, "next"},
		{"middleware form, skipped plain GET", httptest.NewRequest("GET", "/m?skip=1", nil), 200, "next"},
		{"middleware form, skipped upgrade", upgradeRequest("/m?skip=1"), 200, "next"},
	} {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, tc.req)
		if rec.Code != tc.code || (tc.body != "" && rec.Body.String() != tc.body) {
			t.Errorf("%s: %d %q, want %d %q", tc.name, rec.Code, rec.Body, tc.code, tc.body)
		}
	}
	if st := rt.Server().Stats(); st.Accepted != 0 || len(st.Refused) != 0 {
		t.Errorf("skipped requests reached the engine: %+v", st)
	}

	// The handler form's answer to a skipped request is echo.ErrNotFound
	// itself, for apps that inspect errors.
	c := e.NewContext(httptest.NewRequest("GET", "/h?skip=1", nil), httptest.NewRecorder())
	if err := rt.Handler()(c); !errors.Is(err, echo.ErrNotFound) {
		t.Errorf("skipped in handler form: %v, want echo.ErrNotFound", err)
	}
}
