package loadgen

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	coder "github.com/coder/websocket"
	"github.com/gorilla/websocket"

	"github.com/wsplug/wsplug/wscore"
)

// echo is a wscore echo protocol; corrupt flips the first byte of every echo.
type echo struct {
	wscore.BaseServerProtocol
	corrupt bool
}

func (e echo) OnMessage(c *wscore.Conn, p []byte, isBinary bool) {
	if e.corrupt && len(p) > 0 {
		p[0] ^= 0xFF
	}
	c.SendMessage(p, isBinary)
}

// startWscore serves a wscore echo on 127.0.0.1 with its own listener.
func startWscore(t *testing.T, corrupt bool) string {
	t.Helper()
	s, err := wscore.NewServer(func() wscore.ServerProtocol { return echo{corrupt: corrupt} }, wscore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { s.Serve(ln); close(done) }()
	t.Cleanup(func() {
		ln.Close()
		<-done
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return ln.Addr().String()
}

// startHTTP serves h on 127.0.0.1 and waits for its handlers at cleanup.
func startHTTP(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wg.Add(1)
		defer wg.Done()
		h(w, r)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() {
		srv.Close()
		wg.Wait()
	})
	return ln.Addr().String()
}

// gorillaEcho echoes with NextReader/NextWriter, so messages larger than its
// 4 KiB write buffer come back fragmented.
func gorillaEcho(compress bool) http.HandlerFunc {
	up := websocket.Upgrader{EnableCompression: compress}
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		for {
			mt, rd, err := c.NextReader()
			if err != nil {
				return
			}
			wr, err := c.NextWriter(mt)
			if err != nil {
				return
			}
			if _, err := io.Copy(wr, rd); err != nil {
				return
			}
			if err := wr.Close(); err != nil {
				return
			}
		}
	}
}

// coderEcho echoes with coder/websocket, compressing with context takeover.
func coderEcho(w http.ResponseWriter, r *http.Request) {
	c, err := coder.Accept(w, r, &coder.AcceptOptions{CompressionMode: coder.CompressionContextTakeover})
	if err != nil {
		return
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 20)
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	for {
		typ, p, err := c.Read(ctx)
		if err != nil {
			return
		}
		if err := c.Write(ctx, typ, p); err != nil {
			return
		}
	}
}

// rawEcho is a TCP echo.
func rawEcho(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	return ln.Addr().String()
}

func quick(addr string) Config {
	return Config{Addr: addr, Conns: 3, InFlight: 4, Size: 1024, Binary: true, Sources: 2,
		Warmup: 50 * time.Millisecond, Duration: 200 * time.Millisecond}
}

// mustRun runs cfg and checks that echoes were verified. Rates are checked
// only when the measured window caught some (a loaded machine running the
// race detector may not, for large compressed messages).
func mustRun(t *testing.T, cfg Config) *Result {
	t.Helper()
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Echoed < res.Messages || res.Echoed == 0 {
		t.Fatalf("echo counts: %+v", res)
	}
	if res.Messages > 0 && (res.MsgsPerSec <= 0 || res.P50us <= 0 || res.P99us < res.P50us || (cfg.Size > 0 && res.MBPerSec <= 0)) {
		t.Fatalf("inconsistent measurement: %+v", res)
	}
	return res
}

// The load generator's framing works against the engine: text and binary,
// small, medium and larger-than-the-buffer messages, sequential and
// pipelined, from several source addresses; the server's RSS is read.
func TestRunAgainstWscore(t *testing.T) {
	t.Parallel()
	addr := startWscore(t, false)
	for _, tc := range []struct {
		name           string
		size, inflight int
		binary         bool
		payload        string
	}{
		{"text16", 16, 1, false, PayloadRandom},
		{"binary1k", 1024, 8, true, PayloadRandom},
		{"json4k", 4096, 2, false, PayloadJSON},
		{"binary200k", 200 << 10, 2, true, PayloadRandom},
		{"empty", 0, 3, true, PayloadRandom},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := quick(addr)
			cfg.Size, cfg.InFlight, cfg.Binary, cfg.Payload = tc.size, tc.inflight, tc.binary, tc.payload
			cfg.ServerPID = os.Getpid()
			res := mustRun(t, cfg)
			if res.Messages == 0 && tc.size <= 4096 {
				t.Errorf("nothing measured: %+v", res)
			}
			if res.ServerRSS <= 0 {
				t.Errorf("server RSS not read: %+v", res)
			}
			if res.Extensions != "" {
				t.Errorf("extensions %q negotiated without an offer", res.Extensions)
			}
		})
	}
}

// Fragmented echoes (gorilla's NextWriter) are reassembled, with and
// without compression (gorilla: no context takeover).
func TestRunAgainstGorilla(t *testing.T) {
	t.Parallel()
	for _, deflate := range []bool{false, true} {
		addr := startHTTP(t, gorillaEcho(deflate))
		for _, size := range []int{100, 10000, 100000} {
			cfg := quick(addr)
			cfg.Size, cfg.Deflate, cfg.Payload, cfg.Binary = size, deflate, PayloadJSON, false
			res := mustRun(t, cfg)
			if deflate != strings.HasPrefix(res.Extensions, "permessage-deflate") {
				t.Errorf("deflate %v: negotiated %q", deflate, res.Extensions)
			}
		}
	}
}

// Compressed echoes from a server with context takeover (coder) verify.
func TestRunAgainstCoderTakeover(t *testing.T) {
	t.Parallel()
	addr := startHTTP(t, coderEcho)
	cfg := quick(addr)
	cfg.Deflate, cfg.Payload, cfg.Binary, cfg.InFlight = true, PayloadJSON, false, 8
	res := mustRun(t, cfg)
	if strings.TrimSpace(res.Extensions) != "permessage-deflate" {
		t.Errorf("negotiated %q, want permessage-deflate with context takeover", res.Extensions)
	}
}

// Against a raw TCP echo the client reads back its own masked frames, also
// compressed ones.
func TestRunRaw(t *testing.T) {
	t.Parallel()
	addr := rawEcho(t)
	for _, deflate := range []bool{false, true} {
		cfg := quick(addr)
		cfg.Raw, cfg.Deflate, cfg.Payload = true, deflate, PayloadJSON
		mustRun(t, cfg)
	}
}

// A server that changes what it echoes fails the run instead of looking fast.
func TestRunCatchesWrongEcho(t *testing.T) {
	t.Parallel()
	addr := startWscore(t, true)
	_, err := Run(context.Background(), quick(addr))
	if err == nil || !strings.Contains(err.Error(), "wrong echo") {
		t.Fatalf("corrupted echoes: %v", err)
	}
}

// A server that is not there fails the run with the dial error.
func TestRunNoServer(t *testing.T) {
	t.Parallel()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	if _, err := Run(context.Background(), quick(addr)); err == nil {
		t.Fatal("no error without a server")
	}
	if _, err := Run(context.Background(), Config{}); err == nil {
		t.Fatal("no error without an address")
	}
}

// The idle run holds its connections open while it reads the RSS, and
// reports the difference per connection.
func TestRunIdle(t *testing.T) {
	t.Parallel()
	addr := startWscore(t, false)
	res, err := RunIdle(context.Background(), IdleConfig{
		Addr: addr, Conns: 50, Sources: 3, ServerPID: os.Getpid(), Settle: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Conns != 50 || res.BaselineRSS <= 0 || res.RSS <= 0 {
		t.Fatalf("%+v", res)
	}
	if _, err := RunIdle(context.Background(), IdleConfig{Addr: addr, Conns: 1}); err == nil {
		t.Error("idle run without a pid")
	}
}

func TestReadRSS(t *testing.T) {
	t.Parallel()
	rss, err := ReadRSS(os.Getpid())
	if err != nil || rss < 1<<20 {
		t.Fatalf("own RSS %d, %v", rss, err)
	}
	if _, err := ReadRSS(-5); err == nil {
		t.Error("RSS of no process")
	}
}
