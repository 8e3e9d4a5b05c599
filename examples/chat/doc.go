// Command chat is a multi-node chat room: every text message a client sends
// is broadcast, with prepared messages, to every client connected to any node
// running with the same broker, the sender included.
//
//	go run . -addr 127.0.0.1:9000                                   # one node
//	go run . -addr 127.0.0.1:9001 -broker redis://127.0.0.1:6379   # nodes sharing Redis
//	go run . -addr 127.0.0.1:9002 -broker nats://127.0.0.1:4222    # or NATS
//
// The chat page is at /, the WebSocket at /ws; a plain GET of /ws shows the
// route's status page with the node's topic and broker state.
//
// This example is a Go module of its own (it imports the Redis and NATS
// brokers, which are modules of their own), so wsplug's main module does not
// depend on go-redis or nats.go. Run it from this folder.
package main
