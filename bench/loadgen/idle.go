package loadgen

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// IdleConfig describes a memory-per-connection run.
type IdleConfig struct {
	Addr      string
	Path      string        // default "/"
	Conns     int           // connections to hold open
	Sources   int           // source addresses 127.0.0.2.. to spread them over
	ServerPID int           // required: the process whose RSS is read
	Settle    time.Duration // wait between the last exchange and the reading; default 1s
	Raw       bool          // the server is a raw TCP echo

	DialTimeout     time.Duration // default 5s
	DialConcurrency int           // default 32
}

// IdleResult is the server's memory with the connections open and idle.
type IdleResult struct {
	Conns       int     `json:"conns"`
	BaselineRSS int64   `json:"baseline_rss"` // bytes, before connecting
	RSS         int64   `json:"rss"`          // bytes, with every connection open and idle
	PerConn     float64 `json:"per_conn"`     // (RSS - BaselineRSS) / Conns, bytes
}

// idleMessage is the one exchange each connection does, so that every server
// has set up whatever a connection needs once it has talked.
var idleMessage = []byte("hello, idle world")

// RunIdle reads the server's RSS, opens cfg.Conns connections, does one
// 16-byte text exchange on each, waits cfg.Settle, reads the RSS again and
// reports the difference per connection. The connections are then dropped.
func RunIdle(ctx context.Context, cfg IdleConfig) (*IdleResult, error) {
	if cfg.ServerPID <= 0 {
		return nil, errors.New("loadgen: idle run needs the server's pid")
	}
	if cfg.Settle <= 0 {
		cfg.Settle = time.Second
	}
	base, err := ReadRSS(cfg.ServerPID)
	if err != nil {
		return nil, err
	}
	lc := Config{
		Addr: cfg.Addr, Path: cfg.Path, Conns: cfg.Conns, Size: len(idleMessage),
		Raw: cfg.Raw, Sources: cfg.Sources, DialTimeout: cfg.DialTimeout, DialConcurrency: cfg.DialConcurrency,
	}
	if err := lc.defaults(); err != nil {
		return nil, err
	}
	lc.Conns = cfg.Conns
	if lc.Conns <= 0 {
		return nil, errors.New("loadgen: idle run needs connections")
	}
	conns, err := dialAll(ctx, lc, 512)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, c := range conns {
			c.nc.Close()
		}
	}()
	if err := exchangeAll(ctx, conns, lc.DialConcurrency, lc.DialTimeout); err != nil {
		return nil, err
	}
	select {
	case <-time.After(cfg.Settle):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	rss, err := ReadRSS(cfg.ServerPID)
	if err != nil {
		return nil, err
	}
	return &IdleResult{
		Conns:       len(conns),
		BaselineRSS: base,
		RSS:         rss,
		PerConn:     float64(rss-base) / float64(len(conns)),
	}, nil
}

// exchangeAll sends idleMessage on every connection and checks its echo, a
// few connections at a time; it stops at the first failure.
func exchangeAll(ctx context.Context, conns []*conn, parallel int, timeout time.Duration) error {
	var (
		wg    sync.WaitGroup
		next  atomic.Int64
		mu    sync.Mutex
		first error
	)
	for range min(parallel, len(conns)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				mu.Lock()
				stop := first != nil
				mu.Unlock()
				if i >= len(conns) || stop {
					return
				}
				err := ctx.Err()
				if err == nil {
					err = conns[i].exchange(timeout)
				}
				if err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("connection %d: %w", i, err)
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// exchange sends one text message and waits for its echo.
func (c *conn) exchange(timeout time.Duration) error {
	c.nc.SetDeadline(time.Now().Add(timeout))
	defer c.nc.SetDeadline(time.Time{})
	c.appendFrame(opText, false, idleMessage)
	if err := c.flush(); err != nil {
		return err
	}
	op, p, compressed, err := c.next()
	if err != nil {
		return err
	}
	if compressed || op != opText || string(p) != string(idleMessage) {
		return errors.New("wrong echo")
	}
	return nil
}
