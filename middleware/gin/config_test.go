package wsgin_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/wsplug/wsplug/internal/adaptertest"
	wsgin "github.com/wsplug/wsplug/middleware/gin"
	"github.com/wsplug/wsplug/wscore"
)

// The constructors follow gin-contrib's habit: New and NewMiddleware panic
// at start-up on a bad Config, NewRoute returns the error; the errors are
// the engine's typed ones.
func TestConfig(t *testing.T) {
	t.Parallel()
	if _, err := wsgin.NewRoute(wsgin.Config{}); !errors.Is(err, wscore.ErrNoFactory) {
		t.Errorf("NewRoute without Factory or Server: %v, want ErrNoFactory", err)
	}
	_, err := wsgin.NewRoute(wsgin.Config{Factory: adaptertest.NewBase, Options: wscore.Options{AutoPingSize: 200}})
	var oe *wscore.OptionError
	if !errors.As(err, &oe) || oe.Field != "AutoPingSize" {
		t.Errorf("NewRoute with a bad option: %v, want an *OptionError for AutoPingSize", err)
	}

	for name, tc := range map[string]struct {
		f         func()
		noFactory bool
		field     string // the *OptionError's Field, when not noFactory
	}{
		"New without a Factory":           {func() { wsgin.New(wsgin.Config{}) }, true, ""},
		"NewMiddleware without a Factory": {func() { wsgin.NewMiddleware(wsgin.DefaultConfig()) }, true, ""},
		"New with a bad option": {func() {
			wsgin.New(wsgin.Config{Factory: adaptertest.NewBase, Options: wscore.Options{MaxConnections: -2}})
		}, false, "MaxConnections"},
		"NewMiddleware with a bad option": {func() {
			wsgin.NewMiddleware(wsgin.Config{Factory: adaptertest.NewBase, Options: wscore.Options{WriteTimeout: -5}})
		}, false, "WriteTimeout"},
	} {
		err := adaptertest.MustPanic(t, name, tc.f)
		if err == nil {
			continue
		}
		var oe *wscore.OptionError
		if tc.noFactory && !errors.Is(err, wscore.ErrNoFactory) {
			t.Errorf("%s panicked with %v, want ErrNoFactory", name, err)
		}
		if !tc.noFactory && (!errors.As(err, &oe) || oe.Field != tc.field) {
			t.Errorf("%s panicked with %v, want an *OptionError for %s", name, err, tc.field)
		}
	}

	// DefaultConfig is a fresh value each time.
	a := wsgin.DefaultConfig()
	a.Options.AllowedOrigins = append(a.Options.AllowedOrigins, "*")
	if b := wsgin.DefaultConfig(); len(b.Options.AllowedOrigins) != 0 || b.Factory != nil || b.Server != nil {
		t.Errorf("DefaultConfig changed: %+v", b)
	}
}

// Config.Server is the way to keep the engine with the shorthand
// constructors: the route serves it (and ignores Config.Options).
func TestConfigServer(t *testing.T) {
	t.Parallel()
	srv := wscore.MustNewServer(adaptertest.NewBase, wscore.Options{MaxConnections: 3})
	r := gin.New()
	r.GET("/h", wsgin.New(wsgin.Config{Server: srv, Options: wscore.Options{MaxConnections: 9}}))
	r.GET("/m", wsgin.NewMiddleware(wsgin.Config{Server: srv}), func(c *gin.Context) { c.String(http.StatusOK, "next") })

	req := httptest.NewRequest("GET", "/h", nil)
	req.Header.Set("Accept", "application/json")
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	var st struct {
		Options struct {
			MaxConnections int `json:"max_connections"`
		} `json:"options"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil || rec.Code != 200 || st.Options.MaxConnections != 3 {
		t.Errorf("status of a route given Config.Server: %d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/m", nil))
	if rec.Body.String() != "next" {
		t.Errorf("middleware form: %q", rec.Body)
	}
}
