package wscore

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Version is the library's version, shown on status pages and in the Server
// header.
const Version = "0.1.0"

// Server serves one WebSocket route (Autobahn's WebSocketServerFactory): the
// protocol factory, the route's options, its open connections and their
// statistics. Make one per route with NewServer; it is safe for concurrent use.
type Server struct {
	factory ServerProtocolFactory
	opts    Options
	cfg     config
	rules   handshakeRules
	name    string
	started time.Time

	// slots counts open connections plus handshakes in progress, for
	// MaxConnections; it is reserved before OnConnect runs.
	slots    atomic.Int64
	shutting atomic.Bool

	mu       sync.Mutex
	conns    map[*Conn]struct{}
	accepted uint64
	refused  map[string]uint64
	closed   totals        // counters of connections that have ended
	drained  chan struct{} // closed when the last connection ends during Shutdown
	sweeper  *time.Timer   // moves long-idle readers to fresh goroutines (idle.go)
	sweeping bool

	deflated deflateSavings // compression savings of ended connections (compress_stats.go)
}

type totals struct {
	messagesIn, messagesOut, bytesIn, bytesOut uint64
}

// NewServer makes a Server for one route. The options are validated and
// copied; the factory is called once per connection.
func NewServer(factory ServerProtocolFactory, opts Options) (*Server, error) {
	if factory == nil {
		return nil, fmt.Errorf("wscore: NewServer: %w", ErrNoFactory)
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	o := opts
	o.Versions = slices.Clone(opts.Versions)
	o.Subprotocols = slices.Clone(opts.Subprotocols)
	o.AllowedOrigins = slices.Clone(opts.AllowedOrigins)
	if len(o.Versions) == 0 {
		o.Versions = []int{13, 8}
	}
	slices.SortFunc(o.Versions, func(a, b int) int { return b - a })
	o.Versions = slices.Compact(o.Versions)
	s := &Server{
		factory: factory,
		opts:    o,
		cfg:     o.serverConfig(),
		rules: handshakeRules{
			versions:   o.Versions,
			origins:    newOriginPolicy(o.AllowedOrigins),
			trustedXFF: o.TrustXForwardedFor,
		},
		name:    o.Server,
		started: time.Now(),
		conns:   map[*Conn]struct{}{},
		refused: map[string]uint64{},
	}
	if s.name == "" {
		s.name = "wsplug"
	}
	return s, nil
}

// MustNewServer is NewServer that panics on a bad configuration, for
// package-level setup.
func MustNewServer(factory ServerProtocolFactory, opts Options) *Server {
	s, err := NewServer(factory, opts)
	if err != nil {
		panic(err)
	}
	return s
}

// Options returns a copy of the server's options (with defaults applied to
// Versions).
func (s *Server) Options() Options {
	o := s.opts
	o.Versions = slices.Clone(s.opts.Versions)
	o.Subprotocols = slices.Clone(s.opts.Subprotocols)
	o.AllowedOrigins = slices.Clone(s.opts.AllowedOrigins)
	return o
}

// Name is the server name sent in the Server header.
func (s *Server) Name() string { return s.name }

// Handshake is an accepted opening handshake waiting for its connection: the
// request passed every check and OnConnect accepted it. Adapters get one from
// Prepare, take the connection over from their framework and call Serve, or
// Cancel when they cannot.
type Handshake struct {
	s        *Server
	req      *ConnectionRequest
	proto    ServerProtocol
	response []byte // the 101 response
	sub      string
	started  time.Time        // when Prepare began, for Timings
	ext      string           // the Sec-WebSocket-Extensions answered
	deflate  *DeflateResponse // permessage-deflate in effect; nil when none
	done     bool
}

// Refusal reasons counted in Stats.Refused.
const (
	RefusedBadRequest   = "bad_request"
	RefusedVersion      = "unsupported_version"
	RefusedOrigin       = "forbidden_origin"
	RefusedCapacity     = "too_many_connections"
	RefusedShuttingDown = "shutting_down"
	RefusedByProtocol   = "refused_by_protocol"
	RefusedInternal     = "internal_error"
)

// Prepare runs the server side of an opening handshake up to the 101: the
// request checks (400, 426, 403), shutdown and MaxConnections (503), then the
// protocol's OnConnect. It returns an *HTTPError for a refused request, which
// the adapter sends with its framework. It does no I/O.
func (s *Server) Prepare(r *HandshakeRequest) (*Handshake, error) {
	var started time.Time
	if s.cfg.trackTimings {
		started = time.Now()
	}
	info, herr := checkHandshake(r, &s.rules)
	if herr != nil {
		s.refuse(refusalReason(herr.Status))
		return nil, herr
	}
	if s.shutting.Load() {
		s.refuse(RefusedShuttingDown)
		e := httpError(http.StatusServiceUnavailable, "server is shutting down")
		e.Err = ErrShuttingDown
		return nil, e
	}
	if n := s.slots.Add(1); s.opts.MaxConnections > 0 && n > int64(s.opts.MaxConnections) {
		s.slots.Add(-1)
		s.refuse(RefusedCapacity)
		return nil, httpError(http.StatusServiceUnavailable, "too many connections")
	}
	h, err := s.accept(info, started)
	if err != nil {
		s.slots.Add(-1)
		return nil, err
	}
	return h, nil
}

// accept runs OnConnect and builds the 101 response.
func (s *Server) accept(info handshakeInfo, started time.Time) (*Handshake, error) {
	proto := s.factory()
	if proto == nil {
		s.refuse(RefusedInternal)
		s.cfg.logger.Error("websocket protocol factory returned nil")
		return nil, httpError(http.StatusInternalServerError, "internal server error")
	}
	acc, err := callConnect(proto, info.req)
	if err != nil {
		var herr *HTTPError
		if errors.As(err, &herr) {
			s.refuse(RefusedByProtocol)
			if herr.Status < 400 || herr.Status > 599 {
				herr = &HTTPError{Status: http.StatusForbidden, Reason: herr.Reason, Header: herr.Header}
			}
			return nil, herr
		}
		s.refuse(RefusedInternal)
		s.cfg.logger.Error("websocket OnConnect failed", "error", err)
		return nil, httpError(http.StatusInternalServerError, "internal server error")
	}
	sub := acc.Subprotocol
	switch {
	case sub != "" && !slices.Contains(info.req.Protocols, sub):
		s.refuse(RefusedInternal)
		s.cfg.logger.Error("websocket OnConnect chose a subprotocol the client did not offer", "subprotocol", sub, "offered", info.req.Protocols)
		return nil, httpError(http.StatusInternalServerError, "internal server error")
	case sub == "":
		for _, p := range s.opts.Subprotocols {
			if slices.Contains(info.req.Protocols, p) {
				sub = p
				break
			}
		}
	}
	if why, ok := checkExtraHeader(acc.Header); !ok {
		s.refuse(RefusedInternal)
		s.cfg.logger.Error("websocket OnConnect returned a bad response header", "problem", why)
		return nil, httpError(http.StatusInternalServerError, "internal server error")
	}
	key := info.key
	ext, dfl := s.negotiateDeflate(info.req.Extensions) // deflate.go
	resp := appendResponse101(make([]byte, 0, 256), AcceptKey(key), sub, ext, s.name, acc.Header)
	return &Handshake{s: s, req: info.req, proto: proto, response: resp, sub: sub, started: started, ext: ext, deflate: dfl}, nil
}

// callConnect runs OnConnect; a panic refuses the request instead of crashing.
func callConnect(p ServerProtocol, req *ConnectionRequest) (acc Accept, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("OnConnect panicked: %v", r)
		}
	}()
	return p.OnConnect(req)
}

func refusalReason(status int) string {
	switch status {
	case http.StatusUpgradeRequired:
		return RefusedVersion
	case http.StatusForbidden:
		return RefusedOrigin
	}
	return RefusedBadRequest
}

func (s *Server) refuse(reason string) {
	s.mu.Lock()
	s.refused[reason]++
	s.mu.Unlock()
}

// Request is the handshake's request, as OnConnect saw it.
func (h *Handshake) Request() *ConnectionRequest { return h.req }

// Cancel gives up a prepared handshake whose connection could not be taken
// over. Serve or Cancel must be called exactly once.
func (h *Handshake) Cancel() {
	if h.done {
		return
	}
	h.done = true
	h.s.slots.Add(-1)
}

// register adds a connection whose 101 is about to be written, unless the
// server is shutting down.
func (s *Server) register(c *Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutting.Load() {
		return false
	}
	s.conns[c] = struct{}{}
	s.accepted++ // counted before the 101 goes out, so a client never sees it missing
	s.startSweeper()
	return true
}

// opened marks a connection whose 101 went out and reports whether Shutdown
// asked for it to be closed before then.
func (s *Server) opened(c *Conn) (closeNow bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.open = true
	return c.closeOnOpen
}

// shutdownClose starts the closing handshake with 1001, or, for a connection
// whose 101 is not out yet, asks Serve to do it right after.
func (c *Conn) shutdownClose() {
	c.mu.Lock()
	if !c.open {
		c.closeOnOpen = true
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	c.sendClose(CloseGoingAway, "server shutting down")
}

// unregister removes an ended connection and keeps its counters.
func (s *Server) unregister(c *Conn) {
	s.mu.Lock()
	if _, ok := s.conns[c]; ok {
		delete(s.conns, c)
		s.closed.messagesIn += c.stats.messagesIn.Load()
		s.closed.messagesOut += c.stats.messagesOut.Load()
		s.closed.bytesIn += c.stats.bytesIn.Load()
		s.closed.bytesOut += c.stats.bytesOut.Load()
	}
	if len(s.conns) == 0 && s.drained != nil {
		close(s.drained)
		s.drained = nil
	}
	s.mu.Unlock()
	s.slots.Add(-1)
}

// Stats are a server's live counters, for the status page and monitoring.
type Stats struct {
	Open        int
	Accepted    uint64
	Refused     map[string]uint64 // reason -> count (see the Refused... constants)
	MessagesIn  uint64
	MessagesOut uint64
	BytesIn     uint64
	BytesOut    uint64
	Uptime      time.Duration
}

// Stats returns a snapshot of the server's counters.
func (s *Server) Stats() Stats { return s.StatsWithWire().Stats }

// WireStats are a server's Stats with its WireBytes, taken together.
type WireStats struct {
	Stats
	// WireIn and WireOut are the payload bytes received and sent on the
	// wire, after compression (see WireBytes).
	WireIn, WireOut uint64
}

// StatsWithWire returns Stats and WireBytes from one pass over the open
// connections, under the server's lock once: what a status page shows, at
// the cost of one snapshot instead of two (or three) walks, and with counters
// taken at the same moment, so their ratio is consistent.
func (s *Server) StatsWithWire() WireStats {
	savedIn, savedOut := s.deflated.in.Load(), s.deflated.out.Load()
	s.mu.Lock()
	st := Stats{
		Open:        len(s.conns),
		Accepted:    s.accepted,
		Refused:     make(map[string]uint64, len(s.refused)),
		MessagesIn:  s.closed.messagesIn,
		MessagesOut: s.closed.messagesOut,
		BytesIn:     s.closed.bytesIn,
		BytesOut:    s.closed.bytesOut,
		Uptime:      time.Since(s.started),
	}
	for k, v := range s.refused {
		st.Refused[k] = v
	}
	for c := range s.conns {
		st.MessagesIn += c.stats.messagesIn.Load()
		st.MessagesOut += c.stats.messagesOut.Load()
		st.BytesIn += c.stats.bytesIn.Load()
		st.BytesOut += c.stats.bytesOut.Load()
		if d := c.deflate; d != nil {
			savedIn += d.saved.in.Load()
			savedOut += d.saved.out.Load()
		}
	}
	s.mu.Unlock()
	return WireStats{
		Stats:   st,
		WireIn:  uint64(max(int64(st.BytesIn)-savedIn, 0)),
		WireOut: uint64(max(int64(st.BytesOut)-savedOut, 0)),
	}
}

// Conns returns the open connections.
func (s *Server) Conns() []*Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c)
	}
	return out
}

// Shutdown refuses new handshakes (503), starts the closing handshake with 1001
// on every open connection and waits until all have ended or ctx is done; then
// it drops the rest and returns ctx's error. http.Server.Shutdown does not know
// hijacked connections: call this too.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.shutting.Store(true) // under mu: register sees it or is seen

	conns := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	var drained chan struct{}
	if len(s.conns) > 0 {
		if s.drained == nil {
			s.drained = make(chan struct{})
		}
		drained = s.drained
	}
	s.mu.Unlock()
	if drained == nil {
		return nil
	}
	for _, c := range conns {
		c.shutdownClose()
	}
	select {
	case <-drained:
		return nil
	case <-ctx.Done():
		for _, c := range s.Conns() {
			c.setFailure("server shut down")
			c.closeSocket()
		}
		return ctx.Err()
	}
}
