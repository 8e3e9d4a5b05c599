package wscore_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wsplug/wsplug/wscore"
)

// The errors of the public API are what the package documentation's Errors
// section says: typed, inspectable with errors.Is / errors.As, and saying
// what failed.
func TestDocumentedErrors(t *testing.T) {
	t.Parallel()
	url, stop := startExampleServer()
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	t.Run("closed connection", func(t *testing.T) {
		c, err := wscore.Dial(ctx, url, func() wscore.ClientProtocol { return wscore.BaseClientProtocol{} }, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Ping(make([]byte, 126)); !errors.Is(err, wscore.ErrControlTooLong) {
			t.Errorf("Ping of 126 bytes: %v", err)
		}
		if err := c.SendClose(1005, ""); err == nil || !strings.Contains(err.Error(), "close code 1005 may not be sent") {
			t.Errorf("SendClose(1005): %v", err)
		}
		if err := c.SendClose(wscore.CloseNormal, ""); err != nil {
			t.Fatal(err)
		}
		<-c.Done()
		pm := wscore.NewPreparedMessage([]byte("x"), false)
		for name, err := range map[string]error{
			"SendMessage":         c.SendMessage([]byte("x"), false),
			"SendPreparedMessage": c.SendPreparedMessage(pm),
			"Ping":                c.Ping(nil),
			"SendClose":           c.SendClose(wscore.CloseNormal, ""),
			"NextWriter":          func() error { _, err := c.NextWriter(false); return err }(),
		} {
			if !errors.Is(err, wscore.ErrClosed) {
				t.Errorf("%s on a closed connection: %v, want ErrClosed", name, err)
			}
		}
	})

	t.Run("client handshake", func(t *testing.T) {
		_, err := wscore.Dial(ctx, url+"private", func() wscore.ClientProtocol { return wscore.BaseClientProtocol{} }, nil)
		var he *wscore.HandshakeError
		if !errors.As(err, &he) || !errors.Is(err, wscore.ErrBadStatus) || he.Status != 403 || string(he.Body) != "token required\n" {
			t.Errorf("refused dial: %v", err)
		}
		if !strings.Contains(err.Error(), "403 Forbidden") || !strings.Contains(err.Error(), "token required") {
			t.Errorf("message does not say what failed: %v", err)
		}
		_, err = wscore.Dial(ctx, "http://example.com/", func() wscore.ClientProtocol { return wscore.BaseClientProtocol{} }, nil)
		if err == nil || !strings.HasPrefix(err.Error(), `wscore: bad URL "http://example.com/"`) {
			t.Errorf("bad scheme: %v", err)
		}
	})

	t.Run("server refusals", func(t *testing.T) {
		srv := wscore.MustNewServer(func() wscore.ServerProtocol { return Echo{} }, wscore.Options{MaxConnections: 1})
		upgrade := wscore.RequestFromHTTP(upgradeRequest())
		h, err := srv.Prepare(upgrade)
		if err != nil {
			t.Fatal(err)
		}
		defer h.Cancel()
		_, err = srv.Prepare(upgrade)
		var he *wscore.HTTPError
		if !errors.As(err, &he) || he.Status != http.StatusServiceUnavailable {
			t.Errorf("over MaxConnections: %v", err)
		}

		// ServeConn answers a refusal itself and returns it.
		a, b := net.Pipe()
		defer b.Close()
		bad := wscore.RequestFromHTTP(httptest.NewRequest("GET", "/", nil)) // no upgrade headers
		go func() { bufio.NewReader(b).ReadString('\n') }()
		err = srv.ServeConn(a, nil, bad)
		if !errors.As(err, &he) || he.Status != http.StatusBadRequest {
			t.Errorf("ServeConn of a malformed request: %v", err)
		}
	})

	t.Run("options", func(t *testing.T) {
		err := (&wscore.Options{AutoPingSize: 200, MaxConnections: -5}).Validate()
		for _, want := range []string{"wscore: Options.AutoPingSize: 200", "wscore: Options.MaxConnections: -5"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Validate: %v lacks %q", err, want)
			}
		}
		if _, err := wscore.NewServer(func() wscore.ServerProtocol { return Echo{} }, wscore.Options{AutoPingSize: 200}); err == nil {
			t.Error("NewServer accepted a bad option")
		}
	})
}

// upgradeRequest is a valid opening handshake request.
func upgradeRequest() *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Upgrade", "websocket")
	r.Header.Set("Connection", "Upgrade")
	r.Header.Set("Sec-WebSocket-Version", "13")
	r.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	return r
}
