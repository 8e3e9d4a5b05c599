package wscore

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/wsplug/wsplug/internal/wstest"
)

// orderProtocol counts OnConnect calls and answers with refuse (nil:
// accept).
type orderProtocol struct {
	BaseServerProtocol
	calls  *atomic.Int64
	refuse *HTTPError
}

func (p *orderProtocol) OnConnect(*ConnectionRequest) (Accept, error) {
	p.calls.Add(1)
	if p.refuse != nil {
		return Accept{}, p.refuse
	}
	return Accept{}, nil
}

// TestCheckOrder pins the order of the handshake checks (DESIGN.md,
// "Per-route behaviour"): method, tokens, key and the other headers' syntax
// (400) -> version (426) -> origin (403) -> MaxConnections (503) ->
// OnConnect. Each request gets two or more things wrong; the first check in
// that order decides the answer, and OnConnect only runs for a request that
// passed every other check.
func TestCheckOrder(t *testing.T) {
	t.Parallel()
	const host = "app.example.com"
	type mod func(r *HandshakeRequest)
	var (
		badMethod   mod = func(r *HandshakeRequest) { r.Method = http.MethodPost }
		badToken    mod = func(r *HandshakeRequest) { r.Header.Set("Connection", "keep-alive") }
		badKey      mod = func(r *HandshakeRequest) { r.Header.Set("Sec-Websocket-Key", "short") }
		badProtocol mod = func(r *HandshakeRequest) { r.Header.Set("Sec-Websocket-Protocol", "a b") }
		badExt      mod = func(r *HandshakeRequest) { r.Header.Set("Sec-Websocket-Extensions", "permessage-deflate; =") }
		badVersion  mod = func(r *HandshakeRequest) { r.Header.Set("Sec-Websocket-Version", "12") }
		foreign     mod = func(r *HandshakeRequest) { r.Header.Set("Origin", "https://evil.example") }
	)
	tests := []struct {
		name   string
		mods   []mod
		full   bool       // another handshake holds the only slot
		refuse *HTTPError // OnConnect's answer
		status int
		reason string
	}{
		{"bad method + bad key", []mod{badMethod, badKey}, false, nil, 400, "method must be GET"},
		{"bad token + bad key", []mod{badToken, badKey}, false, nil, 400, "Connection: Upgrade"},
		{"bad key + bad version", []mod{badKey, badVersion}, false, nil, 400, "Sec-WebSocket-Key"},
		{"bad key + bad subprotocol syntax", []mod{badKey, badProtocol}, false, nil, 400, "Sec-WebSocket-Key"},
		{"bad subprotocol syntax + bad version", []mod{badProtocol, badVersion}, false, nil, 400, "Sec-WebSocket-Protocol"},
		{"bad subprotocol syntax + foreign origin", []mod{badProtocol, foreign}, false, nil, 400, "Sec-WebSocket-Protocol"},
		{"bad extension syntax + bad version + foreign origin", []mod{badExt, badVersion, foreign}, true, nil, 400, "Sec-WebSocket-Extensions"},
		{"bad version + foreign origin", []mod{badVersion, foreign}, false, nil, 426, "Sec-WebSocket-Version"},
		{"bad version + full", []mod{badVersion}, true, nil, 426, "Sec-WebSocket-Version"},
		{"foreign origin + full", []mod{foreign}, true, nil, 403, "cross-origin"},
		{"foreign origin + OnConnect refuses", []mod{foreign}, false, &HTTPError{Status: 401, Reason: "token required"}, 403, "cross-origin"},
		{"full + OnConnect refuses", nil, true, &HTTPError{Status: 401, Reason: "token required"}, 503, "too many connections"},
		{"OnConnect refuses", nil, false, &HTTPError{Status: 401, Reason: "token required"}, 401, "token required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int64
			refuse := (*HTTPError)(nil)
			s := MustNewServer(func() ServerProtocol { return &orderProtocol{calls: &calls, refuse: refuse} }, Options{MaxConnections: 1})
			if tc.full {
				h, err := s.Prepare(validRequest(host))
				if err != nil {
					t.Fatalf("the handshake holding the slot: %v", err)
				}
				defer h.Cancel()
			}
			refuse = tc.refuse
			calls.Store(0)

			r := validRequest(host)
			for _, m := range tc.mods {
				m(r)
			}
			h, err := s.Prepare(r)
			if err == nil {
				h.Cancel()
				t.Fatalf("accepted, want %d", tc.status)
			}
			herr, ok := err.(*HTTPError)
			if !ok || herr.Status != tc.status || !strings.Contains(herr.Reason, tc.reason) {
				t.Fatalf("got %v, want %d naming %q", err, tc.status, tc.reason)
			}
			want := int64(0) // refused before OnConnect
			if tc.status == 401 {
				want = 1 // refused by OnConnect
			}
			if n := calls.Load(); n != want {
				t.Errorf("OnConnect ran %d times, want %d", n, want)
			}
		})
	}
}

// validRequest is a handshake that passes every check on a server with
// default options.
func validRequest(host string) *HandshakeRequest {
	return &HandshakeRequest{
		Method:     http.MethodGet,
		RequestURI: "/ws",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Host:       host,
		Header: http.Header{
			"Upgrade":               {"websocket"},
			"Connection":            {"Upgrade"},
			"Sec-Websocket-Key":     {wstest.NewKey()},
			"Sec-Websocket-Version": {"13"},
			"Origin":                {"https://" + host},
		},
		RemoteAddr: "192.0.2.1:1234",
	}
}
