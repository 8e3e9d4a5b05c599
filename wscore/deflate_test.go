package wscore

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
)

// offerOf parses a one-element Sec-WebSocket-Extensions value.
func offerOf(t *testing.T, v string) (DeflateOffer, error) {
	t.Helper()
	exts, err := ParseExtensions(http.Header{"Sec-Websocket-Extensions": {v}})
	if err != nil {
		t.Fatalf("ParseExtensions(%q): %v", v, err)
	}
	if len(exts) != 1 {
		t.Fatalf("%q: %d extensions", v, len(exts))
	}
	return ParseDeflateOffer(exts[0])
}

func TestParseDeflateOffer(t *testing.T) {
	ok := []struct {
		in   string
		want DeflateOffer
	}{
		{"permessage-deflate", DeflateOffer{}},
		{"permessage-deflate; client_max_window_bits", DeflateOffer{ClientMaxWindowBits: -1}},
		{"permessage-deflate; client_max_window_bits=10", DeflateOffer{ClientMaxWindowBits: 10}},
		{`permessage-deflate; client_max_window_bits="10"`, DeflateOffer{ClientMaxWindowBits: 10}},
		{"permessage-deflate; server_no_context_takeover", DeflateOffer{ServerNoContextTakeover: true}},
		{"permessage-deflate; client_no_context_takeover", DeflateOffer{ClientNoContextTakeover: true}},
		{"permessage-deflate;server_no_context_takeover;client_no_context_takeover;server_max_window_bits=9;client_max_window_bits=12",
			DeflateOffer{true, true, 9, 12}},
		{"PerMessage-Deflate; Server_No_Context_Takeover; CLIENT_MAX_WINDOW_BITS", DeflateOffer{ServerNoContextTakeover: true, ClientMaxWindowBits: -1}},
		{"permessage-deflate ;\tserver_max_window_bits = 15", DeflateOffer{ServerMaxWindowBits: 15}},
	}
	for bits := 8; bits <= 15; bits++ {
		ok = append(ok,
			struct {
				in   string
				want DeflateOffer
			}{fmt.Sprintf("permessage-deflate; server_max_window_bits=%d", bits), DeflateOffer{ServerMaxWindowBits: bits}},
			struct {
				in   string
				want DeflateOffer
			}{fmt.Sprintf("permessage-deflate; client_max_window_bits=%d", bits), DeflateOffer{ClientMaxWindowBits: bits}})
	}
	for _, c := range ok {
		got, err := offerOf(t, c.in)
		if err != nil || got != c.want {
			t.Errorf("%q: got %+v, %v; want %+v", c.in, got, err, c.want)
		}
		// The offer renders to something that parses back to itself.
		if again, err := offerOf(t, got.String()); err != nil || again != got {
			t.Errorf("%q: String() %q parses to %+v, %v", c.in, got.String(), again, err)
		}
	}

	// RFC 7692 section 7: the server declines these offers.
	declined := []string{
		"permessage-deflate; foo",
		"permessage-deflate; foo=1",
		"permessage-deflate; server_no_context_takeover; server_no_context_takeover",
		"permessage-deflate; client_max_window_bits; client_max_window_bits=10",
		"permessage-deflate; server_max_window_bits",
		"permessage-deflate; server_max_window_bits=7",
		"permessage-deflate; server_max_window_bits=16",
		"permessage-deflate; server_max_window_bits=08",
		"permessage-deflate; server_max_window_bits=0",
		"permessage-deflate; server_max_window_bits=-9",
		"permessage-deflate; server_max_window_bits=abc",
		"permessage-deflate; server_max_window_bits=100",
		`permessage-deflate; server_max_window_bits="9a"`,
		"permessage-deflate; client_max_window_bits=7",
		"permessage-deflate; client_max_window_bits=16",
		"permessage-deflate; server_no_context_takeover=1",
		"permessage-deflate; client_no_context_takeover=true",
		"x-webkit-deflate-frame",
		"deflate-frame; server_max_window_bits=9",
	}
	for _, in := range declined {
		if got, err := offerOf(t, in); err == nil {
			t.Errorf("%q: accepted as %+v, want declined", in, got)
		}
	}
}

func TestDeflateOffersKeepsOrderAndDropsInvalid(t *testing.T) {
	h := http.Header{"Sec-Websocket-Extensions": {
		"x-webkit-deflate-frame, permessage-deflate; foo, permessage-deflate; server_max_window_bits=10",
		"permessage-deflate; client_max_window_bits",
	}}
	exts, err := ParseExtensions(h)
	if err != nil {
		t.Fatal(err)
	}
	got := DeflateOffers(exts)
	want := []DeflateOffer{{ServerMaxWindowBits: 10}, {ClientMaxWindowBits: -1}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestDeflateOfferAnswers(t *testing.T) {
	cases := []struct {
		offer DeflateOffer
		resp  DeflateResponse
		ok    bool
	}{
		{DeflateOffer{}, DeflateResponse{}, true},
		{DeflateOffer{}, DeflateResponse{ServerNoContextTakeover: true, ClientNoContextTakeover: true}, true},
		{DeflateOffer{}, DeflateResponse{ServerMaxWindowBits: 10}, true}, // the server may choose a smaller window
		{DeflateOffer{}, DeflateResponse{ClientMaxWindowBits: 10}, false},
		{DeflateOffer{ClientMaxWindowBits: -1}, DeflateResponse{ClientMaxWindowBits: 8}, true},
		{DeflateOffer{ClientMaxWindowBits: 10}, DeflateResponse{ClientMaxWindowBits: 10}, true},
		{DeflateOffer{ClientMaxWindowBits: 10}, DeflateResponse{ClientMaxWindowBits: 11}, false},
		{DeflateOffer{ClientMaxWindowBits: 10}, DeflateResponse{}, true},
		{DeflateOffer{ServerNoContextTakeover: true}, DeflateResponse{}, false},
		{DeflateOffer{ServerNoContextTakeover: true}, DeflateResponse{ServerNoContextTakeover: true}, true},
		{DeflateOffer{ServerMaxWindowBits: 10}, DeflateResponse{}, false},
		{DeflateOffer{ServerMaxWindowBits: 10}, DeflateResponse{ServerMaxWindowBits: 10}, true},
		{DeflateOffer{ServerMaxWindowBits: 10}, DeflateResponse{ServerMaxWindowBits: 9}, true},
		{DeflateOffer{ServerMaxWindowBits: 10}, DeflateResponse{ServerMaxWindowBits: 11}, false},
		{DeflateOffer{}, DeflateResponse{ServerMaxWindowBits: 7}, false},
		{DeflateOffer{}, DeflateResponse{ServerMaxWindowBits: 16}, false},
		{DeflateOffer{ClientMaxWindowBits: -1}, DeflateResponse{ClientMaxWindowBits: 20}, false},
	}
	for _, c := range cases {
		err := c.offer.Answers(c.resp)
		if (err == nil) != c.ok {
			t.Errorf("offer %q, response %q: err %v, want ok=%v", c.offer, c.resp, err, c.ok)
		}
	}
}

func TestDeflateAcceptor(t *testing.T) {
	cases := []struct {
		a      DeflateAcceptor
		offers []DeflateOffer
		want   string // "" for nil
	}{
		{DeflateAcceptor{}, nil, ""},
		{DeflateAcceptor{}, []DeflateOffer{{}}, "permessage-deflate"},
		{DeflateAcceptor{}, []DeflateOffer{{ClientMaxWindowBits: -1}}, "permessage-deflate"},
		{DeflateAcceptor{}, []DeflateOffer{{ServerNoContextTakeover: true, ServerMaxWindowBits: 9}, {}},
			"permessage-deflate; server_no_context_takeover; server_max_window_bits=9"},
		{DeflateAcceptor{}, []DeflateOffer{{ClientNoContextTakeover: true}}, "permessage-deflate; client_no_context_takeover"},
		{DeflateAcceptor{ServerNoContextTakeover: true}, []DeflateOffer{{}}, "permessage-deflate; server_no_context_takeover"},
		{DeflateAcceptor{ClientNoContextTakeover: true}, []DeflateOffer{{}}, "permessage-deflate; client_no_context_takeover"},
		{DeflateAcceptor{ServerMaxWindowBits: 10}, []DeflateOffer{{}}, "permessage-deflate; server_max_window_bits=10"},
		{DeflateAcceptor{ServerMaxWindowBits: 10}, []DeflateOffer{{ServerMaxWindowBits: 12}}, "permessage-deflate; server_max_window_bits=10"},
		{DeflateAcceptor{ServerMaxWindowBits: 10}, []DeflateOffer{{ServerMaxWindowBits: 9}}, "permessage-deflate; server_max_window_bits=9"},
		{DeflateAcceptor{ClientMaxWindowBits: 10}, []DeflateOffer{{}}, "permessage-deflate"},
		{DeflateAcceptor{ClientMaxWindowBits: 10}, []DeflateOffer{{ClientMaxWindowBits: -1}}, "permessage-deflate; client_max_window_bits=10"},
		{DeflateAcceptor{ClientMaxWindowBits: 10}, []DeflateOffer{{ClientMaxWindowBits: 9}}, "permessage-deflate; client_max_window_bits=9"},
		{DeflateAcceptor{ClientMaxWindowBits: 10}, []DeflateOffer{{ClientMaxWindowBits: 12}}, "permessage-deflate; client_max_window_bits=10"},
	}
	for _, c := range cases {
		r := c.a.Accept(c.offers)
		got := ""
		if r != nil {
			got = r.String()
			if _, err := matchOffer(c.offers, *r, true); err != nil {
				t.Errorf("%+v on %v: answer %q is invalid: %v", c.a, c.offers, got, err)
			}
		}
		if got != c.want {
			t.Errorf("%+v on %v: got %q, want %q", c.a, c.offers, got, c.want)
		}
	}
	if err := (DeflateAcceptor{ServerMaxWindowBits: 7, ClientMaxWindowBits: 16}).Validate(); err == nil ||
		!strings.Contains(err.Error(), "ServerMaxWindowBits") || !strings.Contains(err.Error(), "ClientMaxWindowBits") {
		t.Errorf("Validate: %v", err)
	}
	if err := (DeflateAcceptor{ServerMaxWindowBits: 8, ClientMaxWindowBits: 15}).Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

// logBuffer collects a server's log lines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServerDeflateNegotiation runs real handshakes against a server and
// checks the 101's Sec-WebSocket-Extensions for each kind of offer.
func TestServerDeflateNegotiation(t *testing.T) {
	type tc struct {
		name   string
		accept func([]DeflateOffer) *DeflateResponse
		offer  string
		status int
		want   string // the answered extension; "" for none
		log    string // expected in the server's error log
	}
	cases := []tc{
		{"off by default", nil, "permessage-deflate", 101, "", ""},
		{"plain", DefaultDeflateAccept, "permessage-deflate", 101, "permessage-deflate", ""},
		{"browser offer", DefaultDeflateAccept, "permessage-deflate; client_max_window_bits", 101, "permessage-deflate", ""},
		{"gorilla offer", DefaultDeflateAccept, "permessage-deflate; server_no_context_takeover; client_no_context_takeover", 101,
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover", ""},
		{"autobahn default offer", DefaultDeflateAccept, "permessage-deflate; client_no_context_takeover; client_max_window_bits", 101,
			"permessage-deflate; client_no_context_takeover", ""},
		{"first invalid offer declined", DefaultDeflateAccept, "permessage-deflate; foo=1, permessage-deflate; server_max_window_bits=9", 101,
			"permessage-deflate; server_max_window_bits=9", ""},
		{"several offers, first taken", DefaultDeflateAccept,
			"permessage-deflate; server_no_context_takeover; server_max_window_bits=8, permessage-deflate; server_no_context_takeover, permessage-deflate", 101,
			"permessage-deflate; server_no_context_takeover; server_max_window_bits=8", ""},
		{"every offer invalid", DefaultDeflateAccept, "permessage-deflate; server_max_window_bits=99, permessage-deflate; x", 101, "", ""},
		{"duplicate parameter", DefaultDeflateAccept, "permessage-deflate; client_no_context_takeover; client_no_context_takeover", 101, "", ""},
		{"unknown extension only", DefaultDeflateAccept, "x-custom; a=b", 101, "", ""},
		{"quoted value", DefaultDeflateAccept, `permessage-deflate; server_max_window_bits="12"`, 101, "permessage-deflate; server_max_window_bits=12", ""},
		{"malformed header", DefaultDeflateAccept, `permessage-deflate; server_max_window_bits="12`, 400, "", ""},
		{"malformed header 2", DefaultDeflateAccept, `permessage-deflate;; x`, 400, "", ""},
		{"declined by accept func", func([]DeflateOffer) *DeflateResponse { return nil }, "permessage-deflate", 101, "", ""},
		{"acceptor limits", DeflateAcceptor{ServerMaxWindowBits: 10, ClientMaxWindowBits: 9, ServerNoContextTakeover: true}.Accept,
			"permessage-deflate; client_max_window_bits", 101,
			"permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9", ""},
		{"accept answers client_max_window_bits not offered", func([]DeflateOffer) *DeflateResponse {
			return &DeflateResponse{ClientMaxWindowBits: 10}
		}, "permessage-deflate", 101, "", "client_max_window_bits was not offered"},
		{"accept omits requested server_max_window_bits", func([]DeflateOffer) *DeflateResponse {
			return &DeflateResponse{}
		}, "permessage-deflate; server_max_window_bits=10", 101, "", "server_max_window_bits=10 was requested"},
		{"accept widens server window", func([]DeflateOffer) *DeflateResponse {
			return &DeflateResponse{ServerMaxWindowBits: 12}
		}, "permessage-deflate; server_max_window_bits=10", 101, "", "exceeds the requested"},
		{"accept drops server_no_context_takeover", func([]DeflateOffer) *DeflateResponse {
			return &DeflateResponse{}
		}, "permessage-deflate; server_no_context_takeover", 101, "", "server_no_context_takeover was requested"},
		{"accept returns bad bits", func([]DeflateOffer) *DeflateResponse {
			return &DeflateResponse{ServerMaxWindowBits: 20}
		}, "permessage-deflate", 101, "", "want 8 to 15"},
		{"accept panics", func([]DeflateOffer) *DeflateResponse { panic("boom") }, "permessage-deflate", 101, "", "panicked: boom"},
	}
	for bits := 8; bits <= 15; bits++ {
		cases = append(cases, tc{fmt.Sprintf("server_max_window_bits=%d echoed", bits), DefaultDeflateAccept,
			fmt.Sprintf("permessage-deflate; server_max_window_bits=%d", bits), 101,
			fmt.Sprintf("permessage-deflate; server_max_window_bits=%d", bits), ""})
		cases = append(cases, tc{fmt.Sprintf("client_max_window_bits=%d granted", bits), DeflateAcceptor{ClientMaxWindowBits: bits}.Accept,
			fmt.Sprintf("permessage-deflate; client_max_window_bits=%d", bits), 101,
			fmt.Sprintf("permessage-deflate; client_max_window_bits=%d", bits), ""})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var logs logBuffer
			ts := startServer(t, Options{
				PerMessageCompressionAccept: c.accept,
				Logger:                      slog.New(slog.NewTextHandler(&logs, nil)),
			})
			dc, err := wstest.DialDeflate(ts.Addr, c.offer)
			if err != nil {
				t.Fatal(err)
			}
			defer dc.Close()
			if dc.Resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d", dc.Resp.StatusCode, c.status)
			}
			if got := dc.Resp.Header.Get("Sec-Websocket-Extensions"); got != c.want {
				t.Fatalf("Sec-WebSocket-Extensions %q, want %q", got, c.want)
			}
			if c.log != "" && !strings.Contains(logs.String(), c.log) {
				t.Fatalf("log %q does not mention %q", logs.String(), c.log)
			}
			if c.status != 101 {
				return
			}
			// The connection works, compressed or not.
			msg := []byte(strings.Repeat("negotiated ", 50))
			if c.want != "" {
				err = dc.SendCompressed(wstest.OpText, msg, 0)
			} else {
				err = dc.WriteFrame(wstest.Text(string(msg)))
			}
			if err != nil {
				t.Fatal(err)
			}
			op, got, compressed, err := dc.ReadMessage(deflateTimeout)
			if err != nil || op != wstest.OpText || !bytes.Equal(got, msg) || compressed != (c.want != "") {
				t.Fatalf("echo: op %d, %d bytes, compressed %v, err %v", op, len(got), compressed, err)
			}
		})
	}
}

func TestDeflateOfferHeader(t *testing.T) {
	offers := []DeflateOffer{
		{ServerNoContextTakeover: true, ServerMaxWindowBits: 10, ClientMaxWindowBits: -1},
		{ClientNoContextTakeover: true, ClientMaxWindowBits: 12},
		{},
	}
	got := DeflateOfferHeader(offers)
	want := "permessage-deflate; client_max_window_bits; server_no_context_takeover; server_max_window_bits=10, " +
		"permessage-deflate; client_no_context_takeover; client_max_window_bits=12, permessage-deflate"
	if got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	// The server reads back exactly these offers.
	exts, err := ParseExtensions(http.Header{"Sec-Websocket-Extensions": {got}})
	if err != nil {
		t.Fatal(err)
	}
	if back := DeflateOffers(exts); fmt.Sprint(back) != fmt.Sprint(offers) {
		t.Fatalf("parsed back %+v", back)
	}
	if DeflateOfferHeader(nil) != "" {
		t.Fatal("no offers must render empty")
	}
	if err := (DeflateOffer{ServerMaxWindowBits: 7}).Validate(); err == nil {
		t.Fatal("Validate accepted server_max_window_bits=7")
	}
	if err := (DeflateOffer{ClientMaxWindowBits: -2}).Validate(); err == nil {
		t.Fatal("Validate accepted client_max_window_bits=-2")
	}
	if err := (DeflateOffer{ClientMaxWindowBits: -1, ServerMaxWindowBits: 8}).Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestCheckDeflateResponse(t *testing.T) {
	offers := []DeflateOffer{
		{ServerNoContextTakeover: true, ServerMaxWindowBits: 10, ClientMaxWindowBits: 12},
		{ClientMaxWindowBits: -1},
	}
	hdr := func(vs ...string) http.Header { return http.Header{"Sec-Websocket-Extensions": vs} }
	cases := []struct {
		name   string
		h      http.Header
		offers []DeflateOffer
		accept func(DeflateResponse) bool
		want   *DeflateResponse
		err    string
	}{
		{"no header: uncompressed", http.Header{}, offers, nil, nil, ""},
		{"first offer, window of the offer in effect", hdr("permessage-deflate; server_no_context_takeover; server_max_window_bits=9"), offers, nil,
			&DeflateResponse{ServerNoContextTakeover: true, ServerMaxWindowBits: 9, ClientMaxWindowBits: 12}, ""},
		{"second offer", hdr("permessage-deflate; client_max_window_bits=8"), offers, nil,
			&DeflateResponse{ClientMaxWindowBits: 8}, ""},
		{"second offer, bare", hdr("permessage-deflate"), offers, nil, &DeflateResponse{}, ""},
		{"quoted and spaced", hdr(`permessage-deflate ; client_no_context_takeover ; server_max_window_bits = "11"`), offers, nil,
			&DeflateResponse{ClientNoContextTakeover: true, ServerMaxWindowBits: 11}, ""},
		{"not offered at all", hdr("permessage-deflate"), nil, nil, nil, "was not offered"},
		{"other extension", hdr("x-foo"), offers, nil, nil, `extension "x-foo" was not offered`},
		{"answered twice", hdr("permessage-deflate", "permessage-deflate"), offers, nil, nil, "answered twice"},
		{"unknown parameter", hdr("permessage-deflate; foo"), offers, nil, nil, "unknown parameter"},
		{"repeated parameter", hdr("permessage-deflate; client_no_context_takeover; client_no_context_takeover"), offers, nil, nil, "repeated"},
		{"bare client_max_window_bits", hdr("permessage-deflate; client_max_window_bits"), offers, nil, nil, "needs a value"},
		{"bad value", hdr("permessage-deflate; server_max_window_bits=16"), offers, nil, nil, "want 8 to 15"},
		{"value with a leading zero", hdr("permessage-deflate; server_max_window_bits=09"), offers, nil, nil, "want 8 to 15"},
		{"value on a flag", hdr("permessage-deflate; server_no_context_takeover=1"), offers, nil, nil, "takes no value"},
		{"client window too large for every offer", hdr("permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits=13"),
			[]DeflateOffer{offers[0]}, nil, nil, "answers none of the offers"},
		{"client window not offered", hdr("permessage-deflate; client_max_window_bits=10"), []DeflateOffer{{}}, nil, nil, "answers none"},
		{"server window beyond request", hdr("permessage-deflate; server_no_context_takeover; server_max_window_bits=11"), []DeflateOffer{offers[0]}, nil, nil, "answers none"},
		{"requested takeover reset missing", hdr("permessage-deflate; server_max_window_bits=10"), []DeflateOffer{offers[0]}, nil, nil, "answers none"},
		{"malformed", hdr(`permessage-deflate; x="`), offers, nil, nil, "malformed"},
		{"refused by accept", hdr("permessage-deflate"), offers, func(DeflateResponse) bool { return false }, nil, "refused by PerMessageCompressionAccept"},
		{"accepted by accept", hdr("permessage-deflate"), offers, func(r DeflateResponse) bool { return r == DeflateResponse{} }, &DeflateResponse{}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := CheckDeflateResponse(c.h, c.offers, c.accept)
			if c.err != "" {
				var rerr *ExtensionResponseError
				if !errors.As(err, &rerr) || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err %v, want an *ExtensionResponseError mentioning %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

// TestClientAndServerNegotiationAgree runs every offer the client helpers can
// build through the server's negotiation and the client's check: whatever the
// server answers, the client accepts it.
func TestClientAndServerNegotiationAgree(t *testing.T) {
	var offers []DeflateOffer
	for _, snct := range []bool{false, true} {
		for _, cnct := range []bool{false, true} {
			for _, sb := range []int{0, 8, 11, 15} {
				for _, cb := range []int{-1, 0, 9, 15} {
					offers = append(offers, DeflateOffer{snct, cnct, sb, cb})
				}
			}
		}
	}
	accepts := []DeflateAcceptor{{}, {ServerNoContextTakeover: true}, {ClientNoContextTakeover: true}, {ServerMaxWindowBits: 9, ClientMaxWindowBits: 10}}
	for _, o := range offers {
		for _, a := range accepts {
			h := http.Header{"Sec-Websocket-Extensions": {DeflateOfferHeader([]DeflateOffer{o})}}
			exts, err := ParseExtensions(h)
			if err != nil {
				t.Fatal(err)
			}
			r := a.Accept(DeflateOffers(exts))
			if r == nil {
				t.Fatalf("%+v declined %q", a, o)
			}
			got, err := CheckDeflateResponse(http.Header{"Sec-Websocket-Extensions": {r.String()}}, []DeflateOffer{o}, nil)
			if err != nil || got == nil {
				t.Fatalf("offer %q, answer %q: client refused: %v", o, r, err)
			}
		}
	}
}

const deflateTimeout = 10 * time.Second
