package wscore

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	if err := (&Options{}).Validate(); err != nil {
		t.Fatalf("zero Options: %v", err)
	}
	// Each bad value's error names the field and the values it allows, so a
	// user can fix the configuration from the message alone (issue 3:
	// "Validate() errors name the field and the allowed range").
	bad := []struct {
		opts  Options
		field string
		rng   string // the allowed values, as the message states them
	}{
		{Options{Versions: []int{7}}, "Versions", "13, 8"},
		{Options{Subprotocols: []string{"a b"}}, "Subprotocols", "HTTP token"},
		{Options{AllowedOrigins: []string{"example.com"}}, "AllowedOrigins", "scheme://host[:port]"},
		{Options{MaxConnections: -2}, "MaxConnections", "0 or -1 for no cap, or a positive number"},
		{Options{TrustXForwardedFor: -1}, "TrustXForwardedFor", "0 or more"},
		{Options{MaxFramePayloadSize: -2}, "MaxFramePayloadSize", "-1 for unlimited, or a positive size"},
		{Options{MaxMessagePayloadSize: -5}, "MaxMessagePayloadSize", "-1 for unlimited, or a positive size"},
		{Options{AutoFragmentSize: -1}, "AutoFragmentSize", "0 for no fragmentation or a positive size"},
		{Options{OpenHandshakeTimeout: -2 * time.Second}, "OpenHandshakeTimeout", "-1 for none, or a positive duration"},
		{Options{CloseHandshakeTimeout: -3}, "CloseHandshakeTimeout", "-1 for none, or a positive duration"},
		{Options{WriteTimeout: -7}, "WriteTimeout", "-1 for none, or a positive duration"},
		{Options{AutoPingInterval: -1}, "AutoPingInterval", "0 for no automatic pings or a positive duration"},
		{Options{AutoPingTimeout: -1}, "AutoPingTimeout", "0 for the default (AutoPingInterval) or a positive duration"},
		{Options{AutoPingSize: 200}, "AutoPingSize", "4 to 125"},
		{Options{AutoPingSize: 3}, "AutoPingSize", "4 to 125"},
		{Options{CompressionThreshold: -1}, "CompressionThreshold", "0 or more"},
		{Options{ReadBufferSize: 10}, "ReadBufferSize", "at least 256"},
		{Options{WriteBufferSize: -1}, "WriteBufferSize", "at least 256"},
		{Options{Server: "x\r\ny"}, "Server", "CR or LF"},
	}
	for _, tc := range bad {
		err := tc.opts.Validate()
		if err == nil || !strings.Contains(err.Error(), "Options."+tc.field+":") || !strings.Contains(err.Error(), tc.rng) {
			t.Errorf("%+v: error %v, want one naming %s and the range %q", tc.opts, err, tc.field, tc.rng)
		}
		if _, err := NewServer(func() ServerProtocol { return &BaseServerProtocol{} }, tc.opts); err == nil {
			t.Errorf("NewServer accepted bad %s", tc.field)
		}
	}
	// Unlimited is accepted where documented.
	ok := Options{MaxMessagePayloadSize: Unlimited, MaxFramePayloadSize: Unlimited, OpenHandshakeTimeout: Unlimited, CloseHandshakeTimeout: Unlimited, WriteTimeout: Unlimited, MaxConnections: -1}
	if err := ok.Validate(); err != nil {
		t.Errorf("unlimited values: %v", err)
	}
}

// Validate's errors are *OptionError values, one per bad field, that
// errors.As finds; the joined message still names every field and range.
func TestOptionError(t *testing.T) {
	t.Parallel()
	err := (&Options{AutoPingSize: 200}).Validate()
	var oe *OptionError
	if !errors.As(err, &oe) || oe.Field != "AutoPingSize" || !strings.Contains(oe.Reason, "4 to 125") {
		t.Fatalf("errors.As: %#v from %v", oe, err)
	}
	if got, want := err.Error(), "wscore: Options.AutoPingSize: 200: allowed 4 to 125 (0 for the default, 4)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}

	err = (&Options{MaxConnections: -2, AutoPingSize: 3, Server: "a\nb"}).Validate()
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("several bad fields: %T, want a joined error", err)
	}
	var fields []string
	for _, e := range joined.Unwrap() {
		var oe *OptionError
		if !errors.As(e, &oe) {
			t.Fatalf("%v is not an *OptionError", e)
		}
		fields = append(fields, oe.Field)
	}
	if got := strings.Join(fields, " "); got != "AutoPingSize MaxConnections Server" {
		t.Errorf("fields %q, want AutoPingSize MaxConnections Server", got)
	}
	for _, f := range fields {
		if !strings.Contains(err.Error(), "Options."+f) {
			t.Errorf("message %q does not name %s", err, f)
		}
	}

	// NewServer passes them on.
	_, err = NewServer(func() ServerProtocol { return &BaseServerProtocol{} }, Options{ReadBufferSize: 10})
	if !errors.As(err, &oe) || oe.Field != "ReadBufferSize" {
		t.Errorf("NewServer with a bad option: %v", err)
	}
}

// A nil factory is ErrNoFactory, for errors.Is.
func TestNewServerNoFactory(t *testing.T) {
	t.Parallel()
	s, err := NewServer(nil, Options{})
	if s != nil || !errors.Is(err, ErrNoFactory) || !strings.Contains(err.Error(), "NewServer") {
		t.Fatalf("NewServer(nil): %v, %v", s, err)
	}
}

// NewServer copies the options: changing the caller's value later has no effect.
func TestNewServerCopiesOptions(t *testing.T) {
	t.Parallel()
	origins := []string{"https://a.example.com"}
	o := Options{AllowedOrigins: origins, Subprotocols: []string{"v1"}}
	s, err := NewServer(func() ServerProtocol { return &BaseServerProtocol{} }, o)
	if err != nil {
		t.Fatal(err)
	}
	origins[0] = "*"
	o.Subprotocols[0] = "v2"
	got := s.Options()
	if got.AllowedOrigins[0] != "https://a.example.com" || got.Subprotocols[0] != "v1" {
		t.Errorf("server options changed with the caller's: %+v", got)
	}
	if len(got.Versions) != 2 || got.Versions[0] != 13 || got.Versions[1] != 8 {
		t.Errorf("default versions %v", got.Versions)
	}
}

func TestParseExtensions(t *testing.T) {
	t.Parallel()
	h := map[string][]string{"Sec-Websocket-Extensions": {
		`permessage-deflate; client_max_window_bits, permessage-deflate; server_max_window_bits="10" ;client_no_context_takeover`,
		`x-foo`,
	}}
	exts, err := ParseExtensions(h)
	if err != nil {
		t.Fatal(err)
	}
	if len(exts) != 3 || exts[0].Name != "permessage-deflate" || len(exts[0].Params) != 1 || exts[0].Params[0].HasValue ||
		exts[1].Params[0].Value != "10" || !exts[1].Params[0].HasValue || exts[1].Params[1].Name != "client_no_context_takeover" || exts[2].Name != "x-foo" {
		t.Fatalf("parsed %+v", exts)
	}
	if got := exts[1].String(); got != "permessage-deflate; server_max_window_bits=10; client_no_context_takeover" {
		t.Errorf("String() = %q", got)
	}
	for _, bad := range []string{"a;", "a; b=", `a; b="unterminated`, `a; b="x y"`, "a b", "; b", "a; b=c d", "a;;b"} {
		if _, err := ParseExtensions(map[string][]string{"Sec-Websocket-Extensions": {bad}}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	for _, good := range []string{"", " , ", "a,,b", "a ;b ; c=1"} {
		if _, err := ParseExtensions(map[string][]string{"Sec-Websocket-Extensions": {good}}); err != nil {
			t.Errorf("%q rejected: %v", good, err)
		}
	}
}

// ClientOptions report bad values as *OptionError too, and Dial without a
// factory wraps ErrNoFactory.
func TestClientOptionError(t *testing.T) {
	t.Parallel()
	err := (&ClientOptions{Version: 7}).Validate()
	var oe *OptionError
	if !errors.As(err, &oe) || oe.Struct != "ClientOptions" || oe.Field != "Version" {
		t.Fatalf("errors.As: %#v from %v", oe, err)
	}
	if !strings.HasPrefix(err.Error(), "wscore: ClientOptions.Version: 7 ") {
		t.Errorf("Error() = %q", err)
	}
	if _, err := Dial(t.Context(), "ws://127.0.0.1:1/", nil, nil); !errors.Is(err, ErrNoFactory) {
		t.Errorf("Dial with a nil factory: %v, want ErrNoFactory", err)
	}
}
