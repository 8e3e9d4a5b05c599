// Command lifecycle shows every callback of a connection's life, printed as
// it happens:
//
//   - OnConnect sees the request, chooses a subprotocol among the client's
//     offers (lifecycle.v2 over lifecycle.v1; a client that offers only
//     others is refused with 400) and sets a session cookie on the 101;
//   - OnOpen greets the client;
//   - OnMessage echoes, and answers "close" by closing with 1000 "bye";
//   - OnClose prints wasClean, code and reason, the close frame this side
//     sent, and how long the connection lived.
//
// The server pings every connection (-ping, default 10 s) and drops one
// whose pong does not come back in time (-ping-timeout). Ctrl-C or SIGTERM
// shuts down gracefully: every connection gets a close frame with 1001
// (going away) and OnClose runs for each before the program exits.
//
//	go run ./examples/lifecycle
//	go run ./examples/lifecycle -ping 2s -frames   # also log every frame, pings and pongs included
package main
