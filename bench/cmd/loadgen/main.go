// Command loadgen drives a WebSocket echo server and prints what it measured
// as JSON (see package loadgen). The matrix runner starts it pinned to its
// own CPU; it is also handy on its own:
//
//	go run ./cmd/loadgen -addr 127.0.0.1:9000 -conns 100 -inflight 8 -size 1024 -binary -duration 5s
//	go run ./cmd/loadgen -addr 127.0.0.1:9000 -idle 10000 -pid $(pidof server)
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"time"

	"github.com/wsplug/wsplug/bench/loadgen"
)

func main() {
	var (
		cfg  loadgen.Config
		idle int
	)
	flag.StringVar(&cfg.Addr, "addr", "127.0.0.1:9000", "server `host:port`")
	flag.StringVar(&cfg.Path, "path", "/", "request path")
	flag.IntVar(&cfg.Conns, "conns", 1, "connections")
	flag.IntVar(&cfg.InFlight, "inflight", 1, "messages in flight per connection")
	flag.IntVar(&cfg.Size, "size", 16, "payload bytes per message")
	flag.BoolVar(&cfg.Binary, "binary", false, "send binary messages (text otherwise)")
	flag.StringVar(&cfg.Payload, "payload", loadgen.PayloadRandom, "payload kind: random or json")
	flag.BoolVar(&cfg.Deflate, "deflate", false, "offer permessage-deflate")
	flag.BoolVar(&cfg.Raw, "raw", false, "the server is a raw TCP echo (no handshake)")
	flag.DurationVar(&cfg.Warmup, "warmup", time.Second, "traffic before measuring")
	flag.DurationVar(&cfg.Duration, "duration", 5*time.Second, "measured time")
	flag.IntVar(&cfg.Sources, "sources", 8, "source addresses 127.0.0.2.. to spread connections over (0: any)")
	flag.IntVar(&cfg.ServerPID, "pid", 0, "server process id, to read its RSS")
	flag.IntVar(&idle, "idle", 0, "instead of a load run: open this many connections, one exchange each, and report the server's RSS per connection")
	settle := flag.Duration("settle", time.Second, "idle run: wait before reading the RSS")
	cpuprofile := flag.String("cpuprofile", "", "write the load generator's own CPU profile to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var (
		out any
		err error
	)
	if idle > 0 {
		out, err = loadgen.RunIdle(ctx, loadgen.IdleConfig{
			Addr: cfg.Addr, Path: cfg.Path, Conns: idle, Sources: cfg.Sources,
			ServerPID: cfg.ServerPID, Settle: *settle, Raw: cfg.Raw,
		})
	} else {
		out, err = loadgen.Run(ctx, cfg)
	}
	if err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.Encode(out)
}
