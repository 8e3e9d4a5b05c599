// Command client is the seed's WebSocket client: once the connection is open
// it sends "Hello, world!" and prints every text or binary message it
// receives. It exits 0 after the echo of its message arrived and the
// connection closed cleanly, and non-zero with the error otherwise.
//
//	go run ./examples/echo &   # or any echo server
//	go run ./examples/client -url ws://127.0.0.1:9000/
package main
