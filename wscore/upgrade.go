package wscore

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"time"
)

// Upgrade answers a net/http request: it runs the handshake checks and
// OnConnect, then takes the connection over with Hijack and serves it on a
// goroutine of its own, so the HTTP handler returns and net/http frees its
// request state. A refused request is answered with its status and reason and
// the *HTTPError is returned.
//
// net/http reads the whole request head before Upgrade runs, so
// OpenHandshakeTimeout cannot cut a client that sends its head slowly: give
// the http.Server a ReadHeaderTimeout (wshttp.NewHTTPServer sets it to
// OpenHandshakeTimeout).
func (s *Server) Upgrade(w http.ResponseWriter, r *http.Request) error {
	h, err := s.Prepare(RequestFromHTTP(r))
	if err != nil {
		var herr *HTTPError
		if errors.As(err, &herr) {
			WriteHTTPError(w, herr)
		}
		return err
	}
	if err := h.Hijack(w); err != nil {
		http.Error(w, "websocket: connection cannot be taken over", http.StatusInternalServerError)
		return err
	}
	return nil
}

// ServeConn serves a connection that was taken over before its handshake was
// judged (fasthttp's hijack): it runs Prepare, answers a refusal itself, or
// writes the 101 and blocks for the connection's life. br holds bytes already
// read from conn after the request head (nil when none). It closes conn before
// returning.
func (s *Server) ServeConn(conn net.Conn, br *bufio.Reader, req *HandshakeRequest) error {
	return s.serveConn(conn, br, req, true)
}

// serveConn is ServeConn; with pinned false the connection may leave the
// calling goroutine when idle (for goroutines the engine owns).
func (s *Server) serveConn(conn net.Conn, br *bufio.Reader, req *HandshakeRequest, pinned bool) error {
	h, err := s.Prepare(req)
	if err != nil {
		var herr *HTTPError
		if errors.As(err, &herr) {
			if t := s.cfg.openTimeout; t > 0 {
				conn.SetWriteDeadline(time.Now().Add(t))
			}
			conn.Write(appendHTTPError(nil, herr))
		}
		conn.Close()
		return err
	}
	h.serve(conn, br, pinned)
	return nil
}

// Serve writes the 101 response on conn and runs the connection until it ends,
// on the calling goroutine. br holds bytes already read from conn after the
// request head (nil when none); they are taken over and br is not used again.
func (h *Handshake) Serve(conn net.Conn, br *bufio.Reader) {
	h.serve(conn, br, true)
}

// serve is Serve; pinned keeps the connection on the calling goroutine for its
// whole life (callers that must block), otherwise an idle reader may move to a
// fresh goroutine and serve returns early.
func (h *Handshake) serve(conn net.Conn, br *bufio.Reader, pinned bool) {
	if h.done {
		conn.Close()
		return
	}
	h.done = true
	s := h.s
	c := newConn(conn, &s.cfg, h.proto, false)
	c.server = s
	c.req.set(h.req)
	c.subprotocol = h.sub
	c.version = h.req.Version
	c.pinned = pinned
	c.extensions = h.ext
	if h.deflate != nil {
		c.deflate = newDeflateConn(h.deflate, false)
		c.deflate.ended = &s.deflated
	}

	// net/http leaves its own deadlines on a hijacked connection.
	conn.SetDeadline(time.Time{})
	// Go's TCP connections start with TCP_NODELAY on; DisableTCPNoDelay turns
	// it off. Asked by method, so wrappers of the socket (wshttp's Flash
	// policy listener) take part by passing it on.
	if nd, ok := conn.(noDelaySetter); ok && !s.cfg.noDelay {
		nd.SetNoDelay(false)
	}
	if br != nil {
		if n := br.Buffered(); n > 0 {
			c.adopt(br, n)
		}
	}
	if t := s.cfg.openTimeout; t > 0 {
		conn.SetWriteDeadline(time.Now().Add(t))
	}
	// Register before the 101 goes out, so a Shutdown that starts meanwhile
	// either sees the connection or is seen by register (then: 503).
	if !s.register(c) {
		conn.Write(appendHTTPError(nil, httpError(http.StatusServiceUnavailable, "server is shutting down")))
		conn.Close()
		s.refuse(RefusedShuttingDown)
		s.slots.Add(-1)
		return
	}
	_, err := conn.Write(h.response)
	conn.SetWriteDeadline(time.Time{})
	if err != nil {
		conn.Close()
		s.unregister(c)
		s.mu.Lock()
		s.accepted-- // it never opened
		s.mu.Unlock()
		return
	}
	c.timings.markAt(msHandshakeStart, h.started)
	c.timings.mark(msHandshakeEnd)
	if s.opened(c) {
		// Shutdown began between the registration and the 101.
		c.sendClose(CloseGoingAway, "server shutting down")
	}
	c.run()
}

// noDelaySetter is a connection that can switch Nagle's algorithm:
// *net.TCPConn, and wrappers that delegate to one.
type noDelaySetter interface{ SetNoDelay(noDelay bool) error }

// adopt moves n bytes buffered by the HTTP server into the read buffer: they
// are the first frames of the connection.
func (c *Conn) adopt(br *bufio.Reader, n int) {
	size := max(n, c.rpool.size)
	if size == c.rpool.size {
		c.rbuf = c.rpool.get()
	} else {
		b := make([]byte, size)
		c.rbuf = &b
	}
	c.rend, _ = br.Read((*c.rbuf)[:n])
}
