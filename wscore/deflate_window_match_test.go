package wscore

import (
	"net/http"
	"testing"
)

// A response does not say which offer it accepted. When it fits several
// offers that limit the client's window differently, the server must be
// ready for the largest window any of them allows, and the client must use
// the smallest; a client_max_window_bits in the response settles it.
func TestDeflateMatchOfferWindowBothSides(t *testing.T) {
	bare, ten, twelve := DeflateOffer{}, DeflateOffer{ClientMaxWindowBits: 10}, DeflateOffer{ClientMaxWindowBits: 12}
	noValue := DeflateOffer{ClientMaxWindowBits: -1}
	cases := []struct {
		offers         []DeflateOffer
		resp           DeflateResponse
		server, client int // ClientMaxWindowBits in effect (0: 15)
	}{
		{[]DeflateOffer{ten, bare}, DeflateResponse{}, 0, 10},
		{[]DeflateOffer{bare, ten}, DeflateResponse{}, 0, 10},
		{[]DeflateOffer{twelve, ten}, DeflateResponse{}, 12, 10},
		{[]DeflateOffer{ten}, DeflateResponse{}, 10, 10},
		{[]DeflateOffer{noValue, bare}, DeflateResponse{}, 0, 0},
		{[]DeflateOffer{ten, noValue}, DeflateResponse{ClientMaxWindowBits: 9}, 9, 9},
		// client_max_window_bits=12 fits only the offer without a value.
		{[]DeflateOffer{ten, noValue}, DeflateResponse{ClientMaxWindowBits: 12}, 12, 12},
		// server_max_window_bits=9 was required by the first offer only: the
		// answer without it fits the second.
		{[]DeflateOffer{{ServerMaxWindowBits: 9, ClientMaxWindowBits: 9}, twelve}, DeflateResponse{}, 12, 12},
	}
	for _, c := range cases {
		s, err := matchOffer(c.offers, c.resp, true)
		if err != nil || s.ClientMaxWindowBits != c.server {
			t.Errorf("server, %v answered %q: client window %d (%v), want %d", c.offers, c.resp, s.ClientMaxWindowBits, err, c.server)
		}
		cl, err := matchOffer(c.offers, c.resp, false)
		if err != nil || cl.ClientMaxWindowBits != c.client {
			t.Errorf("client, %v answered %q: client window %d (%v), want %d", c.offers, c.resp, cl.ClientMaxWindowBits, err, c.client)
		}
	}
	if _, err := matchOffer([]DeflateOffer{ten}, DeflateResponse{ClientMaxWindowBits: 11}, true); err == nil {
		t.Error("a window above every offer was accepted")
	}
}

// End to end, on the server: offers "client_max_window_bits=10" and a bare
// permessage-deflate, answered with a bare permessage-deflate. A client that
// took the bare offer compresses with a 32 KiB window and refers back further
// than 1 KiB; the server keeps a 32 KiB receive window and inflates it.
func TestDeflateServerWindowForLargestOffer(t *testing.T) {
	s, err := NewServer(func() ServerProtocol { return &echoProtocol{} }, Options{
		PerMessageCompressionAccept: func([]DeflateOffer) *DeflateResponse { return &DeflateResponse{} },
	})
	if err != nil {
		t.Fatal(err)
	}
	exts, err := ParseExtensions(http.Header{"Sec-Websocket-Extensions": {"permessage-deflate; client_max_window_bits=10, permessage-deflate"}})
	if err != nil {
		t.Fatal(err)
	}
	answer, eff := s.negotiateDeflate(exts)
	if answer != "permessage-deflate" || eff == nil {
		t.Fatalf("answered %q", answer)
	}
	if d := newDeflateConn(eff, false); d.recvWindow != 1<<15 {
		t.Fatalf("server keeps a %d-byte receive window, want 32768", d.recvWindow)
	}

	ts := serve(t, s, nil)
	dc := dialDeflate(t, ts, "permessage-deflate; client_max_window_bits=10, permessage-deflate")
	defer dc.Close()
	if dc.Extensions != "permessage-deflate" || dc.ClientMaxWindowBits != 0 {
		t.Fatalf("answered %q", dc.Extensions)
	}
	// 8 KiB of noise, then the same again: the second message is one
	// back-reference 8 KiB into the first (context takeover).
	msg := deflatePayload(1, 8<<10, 7)
	deflateEcho(t, dc, 2, msg, true, 0)
	deflateEcho(t, dc, 2, msg, true, 0)
	if dc.MaxDistance > 1<<15 {
		t.Fatalf("server referred %d bytes back", dc.MaxDistance)
	}
}
