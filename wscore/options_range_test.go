package wscore

import (
	"strings"
	"testing"
	"time"
)

// Each bad value's error names the field and the values it allows, so a
// user can fix the configuration from the message alone (issue 3: "Validate()
// errors name the field and the allowed range"). Only the message is checked
// here; the error's type is TestOptionError's.
func TestOptionsValidateNamesRange(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
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
	} {
		err := tc.opts.Validate()
		if err == nil {
			t.Errorf("%s: bad value accepted", tc.field)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "Options."+tc.field+":") || !strings.Contains(msg, tc.rng) {
			t.Errorf("%s: %q, want the field and the range %q", tc.field, msg, tc.rng)
		}
	}
}

// The same for ClientOptions.
func TestClientOptionsValidateNamesRange(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		opts  ClientOptions
		field string
		rng   string
	}{
		{ClientOptions{Version: 7}, "Version", "13, 8"},
		{ClientOptions{Subprotocols: []string{"a b"}}, "Subprotocols", "HTTP token"},
		{ClientOptions{Subprotocols: []string{"a", "a"}}, "Subprotocols", "offered twice"},
		{ClientOptions{Origin: "http://x\r\n"}, "Origin", "control characters"},
		{ClientOptions{ServerConnectionDropTimeout: -2}, "ServerConnectionDropTimeout", "-1 for none, or a positive duration"},
		{ClientOptions{MaxMessagePayloadSize: -2}, "MaxMessagePayloadSize", "-1 for unlimited, or a positive size"},
		{ClientOptions{AutoPingSize: 126}, "AutoPingSize", "4 to 125"},
		{ClientOptions{WriteTimeout: -9}, "WriteTimeout", "-1 for none, or a positive duration"},
	} {
		err := tc.opts.Validate()
		if err == nil {
			t.Errorf("%s: bad value accepted", tc.field)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "ClientOptions."+tc.field+":") || !strings.Contains(msg, tc.rng) {
			t.Errorf("%s: %q, want the field and the range %q", tc.field, msg, tc.rng)
		}
	}
}
