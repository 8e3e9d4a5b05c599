package wstest

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Soak environment: WSPLUG_SOAK=1 turns the long soak tests on, and
// WSPLUG_SOAK_DURATION (a Go duration, default 2m) sets how long they run.
const (
	SoakEnv         = "WSPLUG_SOAK"
	SoakDurationEnv = "WSPLUG_SOAK_DURATION"
)

// SoakEnabled reports whether the long soak tests run, and for how long.
func SoakEnabled() (bool, time.Duration, error) {
	if os.Getenv(SoakEnv) != "1" {
		return false, 0, nil
	}
	d := 2 * time.Minute
	if s := os.Getenv(SoakDurationEnv); s != "" {
		v, err := time.ParseDuration(s)
		if err != nil || v <= 0 {
			return true, 0, fmt.Errorf("%s=%q: want a positive Go duration such as 2m", SoakDurationEnv, s)
		}
		d = v
	}
	return true, d, nil
}

// SoakEnding is how a soak connection ends.
type SoakEnding int

const (
	EndClean      SoakEnding = iota // closing handshake started by the client, 1000 both ways
	EndReset                        // RST (SetLinger(0) and Close) after the exchange
	EndHalfClose                    // FIN without a close frame; the client keeps reading until the server closes
	EndMidFrame                     // half a frame, then RST
	EndSilent                       // the client goes quiet and never answers pings: the server's AutoPing must drop it
	EndNoExchange                   // RST right after the 101
	numEndings
)

var endingNames = [...]string{"clean", "reset", "half-close", "mid-frame", "silent", "no-exchange"}

func (e SoakEnding) String() string { return endingNames[e] }

// SoakConfig drives Soak.
type SoakConfig struct {
	Addr string // host:port of the server
	Path string // request path, default "/"
	// Conns connections in all, or, with Duration, as many as fit in it.
	Conns    int
	Duration time.Duration
	// Concurrency is how many connections are open (or opening) at once.
	Concurrency int
	// Messages each connection exchanges (echoed) before it ends.
	Messages int
	// Silent connections wait this long for the server to drop them (the
	// server's AutoPingInterval+AutoPingTimeout, with room); 0 leaves
	// EndSilent out.
	SilentWait time.Duration
	// MaxRate bounds how many connections start per second (0: no bound).
	MaxRate int
}

// SoakResult counts what happened.
type SoakResult struct {
	Opened   int64             // handshakes answered 101
	Endings  [numEndings]int64 // by ending
	Failures int64             // connections that saw something wrong
	Errors   []string          // the first few failures
	Elapsed  time.Duration
}

func (r SoakResult) String() string {
	s := fmt.Sprintf("%d opened in %v (%.0f/s), %d failures", r.Opened, r.Elapsed.Round(time.Millisecond), float64(r.Opened)/r.Elapsed.Seconds(), r.Failures)
	for i, n := range r.Endings {
		s += fmt.Sprintf(", %s %d", SoakEnding(i), n)
	}
	return s
}

// Soak opens connections to an echo server and ends them every way a real
// network does: clean closes mixed with resets, half-closes, frames cut in the
// middle and peers that go silent. Every connection that gets its 101 must
// echo its messages; a connection that sees anything else is a failure.
func Soak(cfg SoakConfig) SoakResult {
	if cfg.Path == "" {
		cfg.Path = "/"
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 1
	}
	endings := []SoakEnding{EndClean, EndReset, EndClean, EndHalfClose, EndClean, EndMidFrame, EndNoExchange}
	if cfg.SilentWait > 0 {
		endings = append(endings, EndSilent)
	}
	var (
		res     SoakResult
		mu      sync.Mutex
		next    atomic.Int64
		wg      sync.WaitGroup
		start   = time.Now()
		stopAt  = start.Add(cfg.Duration)
		limiter <-chan time.Time
	)
	if cfg.MaxRate > 0 {
		tick := time.NewTicker(time.Second / time.Duration(cfg.MaxRate))
		defer tick.Stop()
		limiter = tick.C
	}
	more := func() (int, bool) {
		i := int(next.Add(1) - 1)
		if cfg.Duration > 0 {
			return i, time.Now().Before(stopAt)
		}
		return i, i < cfg.Conns
	}
	fail := func(i int, end SoakEnding, err error) {
		mu.Lock()
		defer mu.Unlock()
		res.Failures++
		if len(res.Errors) < 10 {
			res.Errors = append(res.Errors, fmt.Sprintf("connection %d (%s): %v", i, end, err))
		}
	}
	for w := 0; w < cfg.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i, ok := more()
				if !ok {
					return
				}
				if limiter != nil {
					<-limiter
				}
				end := endings[i%len(endings)]
				opened, err := soakOne(cfg, i, end)
				if opened {
					atomic.AddInt64(&res.Opened, 1)
				}
				if err != nil {
					fail(i, end, err)
					continue
				}
				atomic.AddInt64(&res.Endings[end], 1)
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	return res
}

// soakOne runs connection i to its ending.
func soakOne(cfg SoakConfig, i int, end SoakEnding) (opened bool, err error) {
	c, resp, err := Dial(cfg.Addr, Handshake{Path: cfg.Path})
	if err != nil {
		return false, fmt.Errorf("handshake: %w", err)
	}
	defer c.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return false, fmt.Errorf("handshake answered %d", resp.StatusCode)
	}
	tcp, _ := c.Conn.(*net.TCPConn)
	// reset makes the deferred Close send RST instead of FIN.
	reset := func() {
		if tcp != nil {
			tcp.SetLinger(0)
		}
	}
	if end == EndNoExchange {
		reset()
		return true, nil
	}
	for j := 0; j < cfg.Messages; j++ {
		msg := "soak " + strconv.Itoa(i) + "/" + strconv.Itoa(j)
		if j%2 == 1 {
			msg = strings.Repeat(msg, 64) // some messages beyond one small frame
		}
		if err := c.Echo(msg, 10*time.Second); err != nil {
			return true, fmt.Errorf("message %d: %w", j, err)
		}
	}
	switch end {
	case EndClean:
		if err := c.CloseHandshake(1000, 10*time.Second); err != nil {
			return true, err
		}
	case EndReset:
		reset()
	case EndHalfClose:
		if tcp == nil {
			return true, errors.New("not a TCP connection")
		}
		tcp.CloseWrite()
		if _, err := c.WaitClosed(10 * time.Second); err != nil {
			return true, fmt.Errorf("server kept a half-closed connection: %w", err)
		}
	case EndMidFrame:
		f := c.EncodeFrame(Binary(make([]byte, 1000)))
		c.Conn.Write(f[:len(f)/2])
		reset()
	case EndSilent:
		// The raw client answers no ping: the server must give up on it.
		if _, err := c.WaitClosed(cfg.SilentWait); err != nil {
			return true, fmt.Errorf("server kept a silent peer for %v: %w", cfg.SilentWait, err)
		}
	}
	return true, nil
}
