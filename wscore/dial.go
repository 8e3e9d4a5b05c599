package wscore

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// Dial opens a WebSocket connection to a ws:// or wss:// URL (Autobahn's
// connectWS). It returns once the opening handshake has completed, with the
// open connection, or failed, with the reason: a *HandshakeError for an answer
// that is not a valid WebSocket handshake (errors.Is tells the kind, such as
// ErrBadStatus; errors.As gives the status, headers and body prefix), an error
// wrapping ErrRefused and OnConnect's error when the protocol refused the
// response, or the network, TLS, proxy or timeout error. The handshake, and
// the closing handshake that follows a refusal, are bounded by ctx and by
// ClientOptions.OpenHandshakeTimeout; ctx does not govern the connection after
// Dial returns. A non-101 answer stays a *HandshakeError with its status even
// when the time runs out while its body is read.
//
// factory makes the connection's protocol. Its OnConnect runs before Dial
// returns; OnOpen, OnMessage and OnClose run on the connection's own reader
// goroutine, which ends after OnClose (Conn.Done is closed then). opts may be
// nil for the defaults.
func Dial(ctx context.Context, url string, factory ClientProtocolFactory, opts *ClientOptions) (*Conn, error) {
	c, _, err := dial(ctx, url, factory, opts, false)
	return c, err
}

// DialAndServe is Dial for programs that want to wait for the connection's
// end: it dials, then blocks until the connection has ended and OnClose has
// returned, and reports how it ended. The error is Dial's when the connection
// never opened. When ctx is done while the connection is open, DialAndServe
// starts the closing handshake with CloseGoingAway and waits for it to finish
// (bounded by the close and drop timeouts).
func DialAndServe(ctx context.Context, url string, factory ClientProtocolFactory, opts *ClientOptions) (CloseStatus, error) {
	c, h, err := dial(ctx, url, factory, opts, true)
	if err != nil {
		return CloseStatus{}, err
	}
	select {
	case <-c.Done():
	case <-ctx.Done():
		c.SendClose(CloseGoingAway, "")
		limit := c.cfg.closeTimeout
		if limit <= 0 {
			limit = DefaultCloseHandshakeTimeout
		}
		if d := c.cfg.dropTimeout; d > 0 {
			limit += d
		} else {
			limit += DefaultServerConnectionDropTimeout
		}
		t := time.NewTimer(limit)
		select {
		case <-c.Done():
		case <-t.C:
			c.Close()
			<-c.Done()
		}
		t.Stop()
	}
	return h.status, nil
}

// dial runs the client's opening handshake and starts the connection. With
// track, the protocol is wrapped to record how the connection ends.
func dial(ctx context.Context, rawURL string, factory ClientProtocolFactory, opts *ClientOptions, track bool) (*Conn, *clientHandler, error) {
	if factory == nil {
		return nil, nil, fmt.Errorf("wscore: Dial: %w", ErrNoFactory)
	}
	o := opts.clone()
	if err := o.Validate(); err != nil {
		return nil, nil, err
	}
	u, err := parseDialURL(rawURL)
	if err != nil {
		return nil, nil, err
	}
	cfg := o.clientConfig()
	hctx, cancel := ctx, context.CancelFunc(func() {})
	if t := cfg.openTimeout; t > 0 {
		cause := fmt.Errorf("opening handshake timed out after %v (OpenHandshakeTimeout): %w", t, context.DeadlineExceeded)
		hctx, cancel = context.WithTimeoutCause(ctx, t, cause)
	}
	defer cancel()

	proto := factory()
	if proto == nil {
		return nil, nil, errors.New("wscore: Dial: the protocol factory returned nil")
	}
	h := newClientHandshake(u, o)
	nc, br, resp, err := h.run(hctx, o, &cfg)
	if err != nil {
		return nil, nil, err
	}

	if err := callClientConnect(proto, resp); err != nil {
		h.refuse(hctx, nc, br, &cfg, resp, err)
		return nil, nil, fmt.Errorf("wscore: dial %s: %w: %w", u.Redacted(), ErrRefused, err)
	}
	var handler messageHandler = proto
	var ch *clientHandler
	if track {
		ch = &clientHandler{ClientProtocol: proto}
		handler = ch
	}
	c := h.newConn(nc, br, &cfg, handler, resp)
	go c.run()
	return c, ch, nil
}

// run makes the connection (proxy, TCP, TLS), sends the request and checks
// the response. On success the connection has no deadlines left and br holds
// the bytes that arrived after the response head.
func (h *clientHandshake) run(ctx context.Context, o *ClientOptions, cfg *config) (net.Conn, *bufio.Reader, *ConnectionResponse, error) {
	nc, err := h.connect(ctx, o, cfg)
	if err != nil {
		return nil, nil, nil, h.wrap(ctx, err)
	}
	stop := watchConn(ctx, nc)
	br, resp, err := h.exchange(ctx, nc, o)
	if !stop() && err == nil {
		err = context.Cause(ctx) // the deadline was moved to the past
	}
	if err != nil {
		nc.Close()
		return nil, nil, nil, h.wrap(ctx, err)
	}
	nc.SetDeadline(time.Time{})
	resp.Peer = nc.RemoteAddr().String()
	return nc, br, resp, nil
}

// connect opens the transport: directly or through a proxy, then TLS for wss.
func (h *clientHandshake) connect(ctx context.Context, o *ClientOptions, cfg *config) (net.Conn, error) {
	dial := dialFunc(o.NetDialContext)
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	target := hostPort(h.url)
	pu, err := h.proxyURL(o)
	if err != nil {
		return nil, err
	}
	var nc net.Conn
	if pu != nil {
		nc, err = dialProxied(ctx, dial, pu, target, o)
	} else {
		nc, err = dial(ctx, "tcp", target)
	}
	if err != nil {
		return nil, err
	}
	if tc, ok := nc.(*net.TCPConn); ok && !cfg.noDelay {
		tc.SetNoDelay(false)
	}
	if h.url.Scheme != "wss" {
		return nc, nil
	}
	tc := tls.Client(nc, tlsConfigFor(o.TLSConfig, h.url.Hostname()))
	if err := tc.HandshakeContext(ctx); err != nil {
		nc.Close()
		return nil, fmt.Errorf("TLS handshake: %w", err)
	}
	return tc, nil
}

// exchange sends the request and reads and checks the response.
func (h *clientHandshake) exchange(ctx context.Context, nc net.Conn, o *ClientOptions) (*bufio.Reader, *ConnectionResponse, error) {
	var cookies []*http.Cookie
	if o.Jar != nil {
		cookies = o.Jar.Cookies(h.httpURL)
	}
	if _, err := nc.Write(h.appendRequest(make([]byte, 0, 512), o, cookies)); err != nil {
		return nil, nil, err
	}
	lr := &io.LimitedReader{R: nc, N: maxResponseHead}
	br := bufio.NewReaderSize(lr, DefaultReadBufferSize)
	resp, err := readResponseHead(br, lr, nil)
	if err != nil {
		return nil, nil, err
	}
	if o.Jar != nil {
		if cs := resp.Cookies(); len(cs) > 0 {
			o.Jar.SetCookies(h.httpURL, cs)
		}
	}
	cr, err := h.check(resp)
	if err != nil {
		var he *HandshakeError
		if errors.As(err, &he) && he.Err == ErrBadStatus {
			he.Body = readBodyPrefix(ctx, nc, resp)
		}
		return nil, nil, err
	}
	return br, cr, nil
}

// wrap gives an error of the handshake its context: the timeout or
// cancellation when ctx ended it, the URL otherwise. Handshake errors speak
// for themselves. A server's (or proxy's) complete answer is kept even when
// ctx ended while its body prefix was read: a 403 must not turn into a
// timeout.
func (h *clientHandshake) wrap(ctx context.Context, err error) error {
	if cause := ctxCause(ctx); cause != nil && !answered(err) {
		return fmt.Errorf("wscore: dial %s: %w", h.url.Redacted(), cause)
	}
	if he, ok := err.(*HandshakeError); ok {
		return he
	}
	return fmt.Errorf("wscore: dial %s: %w", h.url.Redacted(), err)
}

// newConn makes the client connection for an accepted response.
func (h *clientHandshake) newConn(nc net.Conn, br *bufio.Reader, cfg *config, handler messageHandler, resp *ConnectionResponse) *Conn {
	c := newConn(nc, cfg, handler, true)
	c.resp = resp
	c.subprotocol = resp.Subprotocol
	c.extensions = strings.Join(resp.Header["Sec-Websocket-Extensions"], ", ")
	c.version = resp.Version
	if h.deflate != nil {
		c.deflate = newDeflateConn(h.deflate, true)
	}
	if n := br.Buffered(); n > 0 {
		c.adopt(br, n) // frames the server sent right after its response
	}
	return c
}

// refuse fails a connection whose response OnConnect refused: a close frame
// (ClosePolicyViolation, or the code of a *CloseError the protocol returned),
// then the closing handshake, bounded by the close and drop timeouts and by
// ctx (Dial's context with OpenHandshakeTimeout), so Dial never outlasts them
// even when ServerConnectionDropTimeout is -1 and the server keeps TCP open.
// Nothing reaches the application.
func (h *clientHandshake) refuse(ctx context.Context, nc net.Conn, br *bufio.Reader, cfg *config, resp *ConnectionResponse, why error) {
	code, reason := ClosePolicyViolation, "response refused by the client"
	var ce *CloseError
	if errors.As(why, &ce) && ce.Code != 0 && checkOutgoingClose(ce.Code, ce.Reason) == nil {
		code, reason = ce.Code, ce.Reason
	}
	// Closing the socket when ctx ends unblocks the close frame's write, the
	// wait for the server's answer and the wait for its drop.
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()
	c := h.newConn(nc, br, cfg, discardHandler{}, resp)
	if err := c.sendClose(code, reason); err != nil {
		c.finish(err)
		return
	}
	c.finish(c.readLoop())
}

// callClientConnect runs OnConnect; a panic refuses the response instead of
// crashing the program.
func callClientConnect(p ClientProtocol, resp *ConnectionResponse) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("OnConnect panicked: %v", r)
		}
	}()
	return p.OnConnect(resp)
}

// ctxCause returns ctx's cause when ctx ended the operation that failed, nil
// otherwise. A connection's deadline is ctx's, so the I/O timeout can fire a
// moment before ctx's own timer, and it can surface as another error (a
// response line cut short by the timeout parses as a malformed one): any
// failure at or after ctx's deadline is the deadline's.
func ctxCause(ctx context.Context) error {
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		<-ctx.Done()
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return nil
}

// watchConn makes ctx govern nc's I/O: its deadline becomes nc's, and its
// cancellation unblocks reads and writes at once. stop reports whether it
// ended the watch before ctx was done.
func watchConn(ctx context.Context, nc net.Conn) (stop func() bool) {
	if d, ok := ctx.Deadline(); ok {
		nc.SetDeadline(d)
	}
	return context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
}
