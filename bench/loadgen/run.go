package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Config describes one load run.
type Config struct {
	Addr     string // the server, host:port
	Path     string // request path; default "/"
	Conns    int    // connections; default 1
	InFlight int    // messages in flight per connection; default 1 (sequential round trips)
	Size     int    // payload bytes per message
	Binary   bool   // binary messages (text otherwise)
	Payload  string // PayloadRandom (default) or PayloadJSON
	Deflate  bool   // offer permessage-deflate
	Raw      bool   // the server is a raw TCP echo: no handshake

	Warmup   time.Duration // traffic before measuring
	Duration time.Duration // measured time; default 1s

	Sources   int // source addresses 127.0.0.2.. to spread connections over; 0: any
	ServerPID int // read the server's RSS when > 0

	DialTimeout     time.Duration // per connection, handshake included; default 5s
	DialConcurrency int           // connections opened at once; default 32
}

// Result is what a run measured. Rates count round trips: one message sent
// and its echo received.
type Result struct {
	Conns      int     `json:"conns"`
	Messages   uint64  `json:"messages"`     // round trips completed while measuring
	Echoed     uint64  `json:"echoed"`       // every echo received and checked, warm-up and drain included
	Seconds    float64 `json:"seconds"`      // measured time
	MsgsPerSec float64 `json:"msgs_per_sec"` // round trips per second
	MBPerSec   float64 `json:"mb_per_sec"`   // payload MB (10^6 bytes) echoed per second
	P50us      float64 `json:"p50_us"`       // round-trip latency percentiles, microseconds
	P99us      float64 `json:"p99_us"`
	ServerRSS  int64   `json:"server_rss"`  // bytes, at the end of the measured time; 0 when not read
	Extensions string  `json:"extensions"`  // negotiated Sec-WebSocket-Extensions of the first connection
	ClientCPUs int     `json:"client_cpus"` // GOMAXPROCS of the load generator
}

func (cfg *Config) defaults() error {
	if cfg.Addr == "" {
		return errors.New("loadgen: no server address")
	}
	if cfg.Path == "" {
		cfg.Path = "/"
	}
	cfg.Conns = max(cfg.Conns, 1)
	cfg.InFlight = max(cfg.InFlight, 1)
	if cfg.Size < 0 || cfg.Size > maxMessage {
		return fmt.Errorf("loadgen: payload size %d out of range", cfg.Size)
	}
	if cfg.Duration <= 0 {
		cfg.Duration = time.Second
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 5 * time.Second
	}
	if cfg.DialConcurrency <= 0 {
		cfg.DialConcurrency = 32
	}
	return nil
}

// Phases of a run, read by every connection once per message.
const (
	phaseWarmup int32 = iota
	phaseMeasure
	phaseStop
)

type runState struct {
	phase atomic.Int32
	base  time.Time
}

func (s *runState) now() int64 { return int64(time.Since(s.base)) }

// connResult is one connection's share of the counts, merged at the end.
type connResult struct {
	msgs   uint64 // measured round trips
	echoed uint64 // all echoes checked
	hist   histogram
}

// Run opens the connections, drives traffic for Warmup+Duration and reports
// what it measured. Any connection error (a wrong echo, a dropped connection)
// fails the run: a server that loses messages must not look fast.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	ps, err := newPayloadSet(cfg.Payload, cfg.Size, cfg.Binary, 1)
	if err != nil {
		return nil, err
	}
	conns, err := dialAll(ctx, cfg, readBufferFor(cfg.Size))
	if err != nil {
		return nil, err
	}
	op := byte(opText)
	if cfg.Binary {
		op = opBinary
	}
	// Compress the payloads for every negotiated window before the clock
	// starts.
	for _, c := range conns {
		if c.defl != nil {
			if _, err := ps.compressed(c.defl.windowBits); err != nil {
				closeAll(conns, time.Second)
				return nil, err
			}
		}
	}

	st := &runState{base: time.Now()}
	results := make([]*connResult, len(conns))
	errs := make([]error, len(conns))
	var wg sync.WaitGroup
	for i, c := range conns {
		results[i] = &connResult{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.drive(st, ps, op, cfg.InFlight, i, results[i])
		}()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()

	res := &Result{Conns: len(conns), Extensions: conns[0].extensions, ClientCPUs: gomaxprocs()}
	var started, stopped time.Time
	interrupted := false
	if !sleepCtx(ctx, cfg.Warmup, finished) {
		interrupted = true
	}
	st.phase.Store(phaseMeasure)
	started = time.Now()
	if !interrupted && !sleepCtx(ctx, cfg.Duration, finished) {
		interrupted = true
	}
	st.phase.Store(phaseStop)
	stopped = time.Now()
	if cfg.ServerPID > 0 {
		if res.ServerRSS, err = ReadRSS(cfg.ServerPID); err != nil {
			res.ServerRSS = 0
		}
	}
	// Connections finish the messages in flight; a server that stopped
	// answering is not waited for long.
	for _, c := range conns {
		c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	}
	<-finished
	closeAll(conns, time.Second)

	if err := firstError(errs); err != nil {
		return nil, err
	}
	if interrupted {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, errors.New("loadgen: connections ended early")
	}
	var hist histogram
	for _, r := range results {
		res.Messages += r.msgs
		res.Echoed += r.echoed
		hist.merge(&r.hist)
	}
	res.Seconds = stopped.Sub(started).Seconds()
	if res.Echoed == 0 {
		return nil, errors.New("loadgen: no echo came back")
	}
	res.MsgsPerSec = float64(res.Messages) / res.Seconds
	res.MBPerSec = res.MsgsPerSec * float64(cfg.Size) / 1e6
	res.P50us = float64(hist.quantile(0.50)) / 1e3
	res.P99us = float64(hist.quantile(0.99)) / 1e3
	return res, nil
}

// readBufferFor sizes a connection's read buffer: room for several echoes of
// small messages, or two whole frames of large ones.
func readBufferFor(size int) int {
	return max(64<<10, 2*(size+maxHeader))
}

// sleepCtx waits d; false when ctx ended or the connections finished first.
func sleepCtx(ctx context.Context, d time.Duration, finished <-chan struct{}) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-finished:
		return false
	}
}

func firstError(errs []error) error {
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("connection %d: %w", i, err)
		}
	}
	return nil
}

// inflight is a message waiting for its echo.
type inflight struct {
	sent int64 // runState.now() when it was written
	idx  int   // its payload in the set
}

// drive keeps k messages in flight until the run stops, then collects the
// echoes still due. Echoes are checked against what was sent (compressed ones
// by sampling, see deflateState); replies that arrive together are answered
// with one write.
func (c *conn) drive(st *runState, ps *payloadSet, op byte, k, id int, res *connResult) error {
	wire, rsv1 := ps.msgs, false
	if c.defl != nil {
		var err error
		if wire, err = ps.compressed(c.defl.windowBits); err != nil {
			return err
		}
		rsv1 = true
	}
	ring := make([]inflight, k)
	head, count := 0, 0
	next := (id * 7919) % len(ps.msgs) // connections start at different payloads
	send := func(n int) error {
		now := st.now()
		for range n {
			c.appendFrame(op, rsv1, wire[next])
			ring[(head+count)%k] = inflight{sent: now, idx: next}
			count++
			if next++; next == len(ps.msgs) {
				next = 0
			}
		}
		return c.flush()
	}
	if err := send(k); err != nil {
		return err
	}
	for {
		got := 0
		for {
			mop, p, compressed, err := c.next()
			if err != nil {
				return err
			}
			if count == 0 {
				return errors.New("echo of a message that was not sent")
			}
			e := ring[head]
			head, count = (head+1)%k, count-1
			now := st.now()
			if mop != op {
				return fmt.Errorf("wrong echo: opcode %d, want %d", mop, op)
			}
			if compressed {
				if err := c.defl.check(p, e.idx, ps); err != nil {
					return err
				}
			} else if !bytes.Equal(p, ps.msgs[e.idx]) {
				return fmt.Errorf("wrong echo: %d bytes, want %d", len(p), len(ps.msgs[e.idx]))
			}
			res.echoed++
			phase := st.phase.Load()
			if phase == phaseMeasure {
				res.hist.record(time.Duration(now - e.sent))
				res.msgs++
			}
			got++
			if phase == phaseStop || !c.frameReady() {
				break
			}
		}
		if st.phase.Load() == phaseStop {
			if count == 0 {
				return nil
			}
			continue
		}
		if err := send(got); err != nil {
			return err
		}
	}
}

// dialAll opens cfg.Conns connections, a few at a time, from the source
// addresses in turn.
func dialAll(ctx context.Context, cfg Config, bufSize int) ([]*conn, error) {
	d := &dialer{
		target:  cfg.Addr,
		path:    cfg.Path,
		sources: sourceIPs(cfg.Sources),
		deflate: cfg.Deflate,
		raw:     cfg.Raw,
		timeout: cfg.DialTimeout,
	}
	conns := make([]*conn, cfg.Conns)
	locals := make([]net.Addr, cfg.Conns)
	for i := range locals {
		locals[i] = d.source()
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		nextI atomic.Int64
	)
	for range min(cfg.DialConcurrency, cfg.Conns) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(nextI.Add(1)) - 1
				if i >= len(conns) {
					return
				}
				mu.Lock()
				failed := first != nil
				mu.Unlock()
				if failed || ctx.Err() != nil {
					return
				}
				c, err := d.dial(ctx, locals[i], bufSize)
				mu.Lock()
				if err != nil && first == nil {
					first = fmt.Errorf("loadgen: connection %d from %v: %w", i, locals[i], err)
				}
				conns[i] = c
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		first = ctx.Err()
	}
	if first != nil {
		for _, c := range conns {
			if c != nil {
				c.nc.Close()
			}
		}
		return nil, first
	}
	return conns, nil
}

// closeAll runs every connection's closing handshake at once.
func closeAll(conns []*conn, timeout time.Duration) {
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.close(timeout)
		}()
	}
	wg.Wait()
}
