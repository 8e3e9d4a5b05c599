// Package loadgen is a WebSocket load generator written for measuring: an
// RFC 6455 client of its own (handshake, masking, framing, reading and
// permessage-deflate are done here, not by the engine under test), built to
// cost as little CPU per message as possible so that the server, not the
// client, is the bottleneck.
//
// Run drives many connections, each keeping K messages in flight (a message is
// sent again as soon as its echo comes back), and reports round trips per
// second, payload bytes per second and round-trip latency percentiles, plus
// the server's resident memory read from /proc. RunIdle opens many
// connections, does one exchange on each and reports the server's memory per
// idle connection.
//
// Connections are spread over several source addresses (127.0.0.2, 127.0.0.3,
// ...) so that tens of thousands of them, over many runs, do not exhaust the
// ephemeral ports of one address pair.
package loadgen
