package wscore_test

import (
	"fmt"
	"net/http"

	"github.com/wsplug/wsplug/wscore"
)

// Compression is off until a server sets PerMessageCompressionAccept.
// DefaultDeflateAccept takes the client's first offer with context takeover
// where the client allows it.
func ExampleDefaultDeflateAccept() {
	srv, err := wscore.NewServer(func() wscore.ServerProtocol { return &wscore.BaseServerProtocol{} }, wscore.Options{
		PerMessageCompressionAccept: wscore.DefaultDeflateAccept,
		CompressionThreshold:        64, // shorter messages go uncompressed
	})
	if err != nil {
		panic(err)
	}
	_ = srv

	// What a browser offers, and the answer.
	offers := []wscore.DeflateOffer{{ClientMaxWindowBits: -1}}
	fmt.Println(wscore.DefaultDeflateAccept(offers))
	// gorilla/websocket's offer, and the answer.
	offers = []wscore.DeflateOffer{{ServerNoContextTakeover: true, ClientNoContextTakeover: true}}
	fmt.Println(wscore.DefaultDeflateAccept(offers))
	// Output:
	// permessage-deflate
	// permessage-deflate; server_no_context_takeover; client_no_context_takeover
}

// A DeflateAcceptor trades compression for memory: without context takeover
// a connection keeps no compressor of its own, and a small client window
// bounds what the server keeps to inflate.
func ExampleDeflateAcceptor() {
	accept := wscore.DeflateAcceptor{ServerNoContextTakeover: true, ClientMaxWindowBits: 10}
	if err := accept.Validate(); err != nil {
		panic(err)
	}
	opts := wscore.Options{PerMessageCompressionAccept: accept.Accept}
	_ = opts

	offers := []wscore.DeflateOffer{{ClientMaxWindowBits: -1}}
	fmt.Println(accept.Accept(offers))
	// Output:
	// permessage-deflate; server_no_context_takeover; client_max_window_bits=10
}

// A client renders its offers with DeflateOfferHeader and checks the server's
// answer with CheckDeflateResponse, which refuses anything it did not offer.
func ExampleCheckDeflateResponse() {
	offers := []wscore.DeflateOffer{
		{ServerMaxWindowBits: 10, ClientMaxWindowBits: -1},
		{ClientNoContextTakeover: true},
	}
	fmt.Println(wscore.DeflateOfferHeader(offers))

	ok := http.Header{"Sec-Websocket-Extensions": {"permessage-deflate; server_max_window_bits=10; client_max_window_bits=12"}}
	r, err := wscore.CheckDeflateResponse(ok, offers, nil)
	fmt.Println(r, err)

	bad := http.Header{"Sec-Websocket-Extensions": {"permessage-deflate; server_max_window_bits=12; client_max_window_bits=12"}}
	_, err = wscore.CheckDeflateResponse(bad, offers, nil)
	fmt.Println(err)
	// Output:
	// permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate; client_no_context_takeover
	// permessage-deflate; server_max_window_bits=10; client_max_window_bits=12 <nil>
	// wscore: server's Sec-WebSocket-Extensions "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12" refused: the response answers none of the offers (server_max_window_bits=12 exceeds the requested 10)
}
