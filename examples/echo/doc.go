// Command echo is the seed's echo server: one protocol type whose OnMessage
// sends every message back. The WebSocket endpoint and its status page share
// the URL "/", as Autobahn serves them: a WebSocket client gets its echo, a
// browser gets the status page, whose console talks to the same endpoint.
//
//	go run ./examples/echo                      # http://127.0.0.1:9000/
//	go run ./examples/echo -framework gin       # the same through gin (or echo, fiber)
//	go run ./examples/echo -addr 127.0.0.1:0    # any free port; the URL is printed
//
// It accepts permessage-deflate (browsers offer it) and keeps the default
// options otherwise: a browser must be on the same origin, messages are
// limited to 32 MiB, handshakes to 5 s. The HTTP server has timeouts fit for
// the internet (wshttp.NewHTTPServer; fiber's ReadTimeout). Ctrl-C or
// SIGTERM closes every WebSocket with 1001 (going away) and stops.
package main
