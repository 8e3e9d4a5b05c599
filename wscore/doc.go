// Package wscore is wsplug's WebSocket engine: the opening handshake, RFC 6455
// framing, UTF-8 validation, pings and the closing handshake, with the
// programming model of Autobahn|Python. It knows nothing about web frameworks;
// the adapters in wsplug/middleware put it on gin, echo, fiber and net/http
// routes.
//
// # Overview
//
// A WebSocket route is a *Server made by NewServer from a protocol factory and
// Options. Each accepted connection gets its own protocol value from the
// factory, and the engine calls that value's callbacks as the connection lives:
//
//	type Echo struct{ wscore.BaseServerProtocol }
//
//	func (Echo) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
//		c.SendMessage(payload, isBinary)
//	}
//
//	srv, err := wscore.NewServer(func() wscore.ServerProtocol { return &Echo{} }, wscore.Options{})
//	http.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) { srv.Upgrade(w, r) })
//
// A Server is served in one of three ways: Upgrade from a net/http handler (as
// above), ServeConn for a connection a framework has already taken over
// (fasthttp), or Serve on a listener of its own, without any HTTP framework.
// The adapters in wsplug/middleware (wshttp, wsgin, wsecho, wsfiber) do the
// first two for you, per route, and answer a browser's plain GET with the
// route's status page. The client side is Dial (see Clients).
//
// # Protocols and factories
//
// ServerProtocol has four callbacks, as Autobahn's WebSocketServerProtocol:
// OnConnect sees the request and may choose a subprotocol, add response
// headers (cookies) or refuse with an *HTTPError; OnOpen runs once the 101 is
// sent; OnMessage receives whole messages; OnClose reports the end exactly once
// for every opened connection. Embed BaseServerProtocol to implement only some.
// Because the factory makes one value per connection, fields of the type are
// per-connection state and need no locking.
//
// OnClose(c, wasClean, code, reason): wasClean tells whether the closing
// handshake completed (both close frames exchanged); code and reason are then
// the peer's (CloseNoStatus when its close frame had no code). Otherwise code is
// CloseAbnormal (1006) and reason says what happened ("closing handshake timed
// out", "peer closed the TCP connection without a closing handshake"...).
// Conn.LocalClose returns the close frame this side sent, which holds the code
// of a failure the engine detected (1002, 1007, 1009, 1011).
//
// # Concurrency
//
// Each connection has one goroutine, its reader, while it has input to
// handle (an idle connection has none, see Limits and timeouts); it runs all
// callbacks of that connection in order. Conn's methods are safe from any goroutine.
// SendMessage returns once the message is written to the socket (or with an
// error); concurrent senders are serialized without interleaving frames and
// may share a single system call. There is no "concurrent write" panic and no
// need for a writer goroutine of your own. A callback that blocks holds up only
// its own connection; a callback that panics fails only its own connection,
// with 1011, and the panic is logged.
//
// Upgrade (net/http) takes the connection over and serves it on a new
// goroutine, so the HTTP handler returns and net/http frees its request state.
// ServeConn serves an already taken-over connection on the calling goroutine.
//
// # Origins
//
// Browsers let any page open a WebSocket to any site, with the user's cookies.
// With no AllowedOrigins a request that carries an Origin header must be
// same-origin: the Origin's host and port (default port made explicit) must be
// the request's Host. Requests without Origin are not from browsers and pass.
// AllowedOrigins takes Autobahn-style patterns such as
// "https://*.example.com:*"; "*" allows every origin and "null" the null
// origin. Once AllowedOrigins is set, only the listed origins pass: list the
// route's own origin too if its pages use it. A refused origin gets 403,
// before OnConnect runs.
//
// # Sending
//
// SendMessage sends a whole message and returns once it is on the socket.
// QueueMessage returns as soon as the message is queued: called from
// OnMessage while more messages have already arrived, the answers to all of
// them go out in one write, which is what makes a request/response protocol
// fast (a write system call per message is most of an echo server's time).
// Use SendMessage when the caller must know that the message itself was
// written; a queued message that cannot be written is lost with its
// connection, which OnClose reports. The payload OnMessage receives belongs
// to the application; ReleasePayload hands it back when the application is
// done with it (after answering it, say), so the next message is read into
// the same memory instead of a new allocation. For a message too large to hold in
// memory, NextWriter returns an io.WriteCloser whose bytes go out as
// fragments while they are produced; other messages wait until it is closed.
// For broadcast, NewPreparedMessage encodes a message once and
// SendPreparedMessage writes the same frame bytes to every server connection
// with the same framing, compressed once per window size for connections that
// compress without context takeover (Server.Conns lists the open
// connections; package wsplug/broadcast builds topics and cross-node delivery
// on this). Ping sends
// a ping; pongs are answered by the engine, also in the middle of a
// fragmented message. Options.AutoFragmentSize splits outgoing messages into
// frames of that size.
//
// # Limits and timeouts
//
// The zero Options are safe defaults for a server on the internet, which
// deviate from Autobahn's where Autobahn's are unsafe: messages are limited to
// DefaultMaxMessagePayloadSize (1009 beyond, checked from the frame header
// before anything is allocated, and memory follows the bytes that actually
// arrive), the opening handshake to 5 s, writes to 10 s (a peer that stops
// reading cannot block a sender forever), the closing handshake to 1 s. Use
// Unlimited (-1) to turn a limit off. Options.Validate, called by NewServer,
// rejects out-of-range values with an error naming the field.
//
// Keep-alive is off by default, as in Autobahn. AutoPingInterval sends a ping
// (AutoPingSize random bytes) after that long without one; when the matching
// pong does not arrive within AutoPingTimeout the connection is dropped and
// OnClose reports 1006 with "auto-ping timeout". Without it, a peer that
// vanishes without a FIN (a pulled cable, a NAT that forgot the connection)
// keeps its connection until the process ends. The timers run without a
// goroutine of their own.
//
// An idle connection holds no read or write buffer: the reader takes a buffer
// from a pool only while bytes are arriving, and queued frames live in a pooled
// buffer only until they are written. After 250 to 500 ms without input a
// connection parks: on Linux it then waits in an epoll set of the engine's
// with no goroutine at all (elsewhere in a goroutine with a minimal stack).
// From the end of OnOpen its opening request is kept packed, not as maps. An idle connection costs about
// 4 KiB of process memory (measured with 10,000 of them; see the benchmarks
// in the repository's bench directory).
//
// # Compression
//
// permessage-deflate (RFC 7692) is off unless Options.PerMessageCompressionAccept
// is set, as in Autobahn. The func sees the client's valid offers in its order
// of preference (offers with unknown, repeated or ill-valued parameters are
// declined, as the RFC says) and returns the answer or nil. DefaultDeflateAccept
// takes the first offer with context takeover where the client allows it;
// DeflateAcceptor sets limits. The engine checks the answer against the offers
// and declines, with an error in the log, rather than send an invalid one. Every
// window size is honoured exactly, down to server_max_window_bits=8 (256 bytes).
// Messages shorter than CompressionThreshold go uncompressed; control frames
// never are compressed, and neither are messages written with NextWriter
// (streamed in fragments as they are produced; RFC 7692 lets a sender leave
// any message uncompressed): SendMessage and PreparedMessage compress.
//
// MaxMessagePayloadSize applies to the inflated size and inflating stops as
// soon as it is exceeded (1009): a small message that would inflate to
// gigabytes costs no more memory than the limit.
//
// Memory: without context takeover nothing is kept per connection; compressors
// and decompressors come from pools for the time of one message. With context
// takeover in the server's direction a connection keeps its own compressor from
// its first compressed message on (klauspost/compress's flate.Writer); in the
// client's direction it keeps the last 2^client_max_window_bits bytes it
// inflated (32 KiB by default). BenchmarkDeflateConnMemory measures the heap per
// connection after one compressed message each way: about 840 KiB with context
// takeover both ways (1.06 MiB with 9-bit windows, whose compressor is larger),
// nothing measurable without. For many connections,
// DeflateAcceptor{ServerNoContextTakeover: true} (with ClientMaxWindowBits or
// ClientNoContextTakeover) keeps the cost near zero.
//
// # Closing
//
// SendClose starts the closing handshake; the connection ends when the peer
// answers or CloseHandshakeTimeout passes. A peer's close frame is answered
// with 1000 (or its own code with EchoCloseCodeReason). The server closes TCP
// first, gracefully. When the peer breaks the protocol the engine sends a close
// frame with the reason (1002 protocol error, 1007 invalid UTF-8, 1009 too big)
// before dropping the connection, unless FailByDrop is set. Conn.Close drops
// the connection at once. Server.Shutdown closes every connection of a route
// with 1001 and waits for them, which http.Server.Shutdown cannot do for
// hijacked connections.
//
// # Clients
//
// Dial opens a connection to a ws:// or wss:// URL with a ClientProtocol,
// Autobahn's WebSocketClientProtocol: the same OnOpen, OnMessage and OnClose,
// and OnConnect(*ConnectionResponse), which sees the server's accepted answer
// (subprotocol, headers) and may refuse it. Dial returns once the opening
// handshake is done; DialAndServe also waits for the connection's end. A
// failed handshake is a *HandshakeError: errors.Is tells the kind (ErrBadStatus,
// ErrBadAccept, ErrBadSubprotocol, ...) and errors.As gives the status, headers
// and the first bytes of the body, so a 403 says why. ClientOptions adds to the
// common options the request (Header, Origin, Subprotocols, a cookie Jar), the
// transport (TLSConfig, NetDialContext) and proxies: HTTP_PROXY, HTTPS_PROXY and
// NO_PROXY are honoured as net/http does, and Proxy may name an http://,
// https:// (CONNECT, verified with ProxyTLSConfig, not the target's
// TLSConfig) or socks5:// proxy. Compression is offered with
// PerMessageCompressionOffers (DeflateOffer{ClientMaxWindowBits: -1} is what
// browsers offer); an answer that fits none of the offers fails the
// handshake, and PerMessageCompressionAccept may refuse one that does. Client
// frames are masked with keys from crypto/rand; after the closing handshake
// the client waits ServerConnectionDropTimeout (1 s) for the server to close
// TCP.
//
// # Errors
//
// Errors are values to inspect with errors.Is and errors.As, and their
// messages say what failed:
//
//   - *HTTPError (Status, Reason, Header): a refused opening handshake on the
//     server. OnConnect returns one to refuse; the engine makes its own for
//     requests that fail its checks (400 malformed, 426 version, 403 origin,
//     503 MaxConnections or shutting down). Upgrade, Prepare and ServeConn
//     return it, and the adapters send it through their framework's error
//     path. Any other error from OnConnect refuses with 500 and is logged.
//   - *HandshakeError (Err, Detail, Status, Header, Body): a failed client
//     handshake. Err is the kind, so errors.Is(err, ErrBadStatus) (or
//     ErrBadUpgrade, ErrBadAccept, ErrBadSubprotocol, ErrBadExtension,
//     ErrBadResponse, ErrProxy) tells it, and the first KiB of a refusal's
//     body tells why. When the protocol's OnConnect refused the server's
//     answer, Dial's error wraps ErrRefused and the protocol's own error. A
//     bad URL, the network, TLS and timeouts give their own errors, wrapped.
//   - ErrClosed: SendMessage, SendPreparedMessage, NextWriter, Ping and
//     SendClose on a connection whose closing handshake has started or that
//     has ended return an error wrapping it. ErrWriteTimeout: a write did not
//     finish within WriteTimeout; the connection is dropped and every later
//     write fails too. ErrControlTooLong: a Ping payload over 125 bytes.
//   - *CloseError (Code, Reason): a close code with its reason. A client
//     protocol's OnConnect returns one to refuse the server's answer with
//     that code. How a connection ended is not an error: OnClose receives
//     wasClean, code and reason, and DialAndServe returns them as a
//     CloseStatus.
//   - *ExtensionResponseError: a server's Sec-WebSocket-Extensions answer
//     that a client must refuse (CheckDeflateResponse).
//   - Options.Validate and ClientOptions.Validate join one error per bad
//     field, each naming the field and the allowed values
//     ("wscore: Options.AutoPingSize: 200: allowed 4 to 125 ...").
//
// A peer's protocol violation is not returned to the application: the engine
// answers it with its close code (1002, 1007, 1009) and OnClose reports the
// end; Conn.LocalClose tells which code was sent.
package wscore
