// Command matrix builds every echo server and the load generator, runs the
// benchmark scenarios against each server (server on CPU 0, load generator on
// CPU 1), repeats each configuration and prints the medians as a Markdown
// table with ratios to gorilla/websocket. From the repository root:
//
//	bench/run.sh                 # the full matrix, about 20 minutes
//	bench/run.sh -mode smoke     # every cell once, briefly: about a minute
//
// or, inside bench/, go run ./cmd/matrix with the same flags.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/wsplug/wsplug/bench/matrix"
)

func main() {
	var (
		mode      = flag.String("mode", "full", "preset: full (3 runs, 10,000 idle connections, ~20 min) or smoke (1 short run, 1,000 idle, ~1 min)")
		runs      = flag.Int("runs", 0, "repetitions per configuration (0: the preset's)")
		warmup    = flag.Duration("warmup", 0, "traffic before measuring (0: the preset's)")
		duration  = flag.Duration("duration", 0, "measured time per run (0: the preset's)")
		settle    = flag.Duration("settle", 0, "idle scenario: wait before reading the RSS (0: the preset's)")
		idleConns = flag.Int("idle-conns", 0, "connections of scenario (e) (0: the preset's)")
		scenarios = flag.String("scenarios", "a,b,c,d,e", "scenarios to run")
		servers   = flag.String("servers", "all", "servers to run, comma-separated (always include gorilla for the ratios)")
		out       = flag.String("out", "", "also write the Markdown table to this file")
		jsonOut   = flag.String("json", "", "write every sample as JSON to this file")
		benchDir  = flag.String("bench-dir", "", "the bench module's directory (default: found from the working directory)")
		binDir    = flag.String("bin-dir", "", "where to build the binaries (default: a temporary directory)")
		noPin     = flag.Bool("no-pin", false, "do not pin the server and the load generator to CPUs")
		profile   = flag.String("profile-dir", "", "have every server write a CPU profile of each run into this directory")
	)
	flag.Parse()
	if err := run(*mode, *runs, *warmup, *duration, *settle, *idleConns, *scenarios, *servers, *out, *jsonOut, *benchDir, *binDir, *profile, *noPin); err != nil {
		fmt.Fprintln(os.Stderr, "matrix:", err)
		os.Exit(1)
	}
}

func run(mode string, runs int, warmup, duration, settle time.Duration, idleConns int,
	scenarioList, serverList, out, jsonOut, benchDir, binDir, profileDir string, noPin bool) error {
	var (
		timing matrix.Timing
		err    error
	)
	idle := matrix.FullIdleConns
	title := "WebSocket echo benchmark"
	switch mode {
	case "full":
		timing = matrix.Full
	case "smoke":
		timing, idle = matrix.Smoke, matrix.SmokeIdleConns
		title += " (smoke run: preliminary numbers, too short to rank servers)"
	default:
		return fmt.Errorf("unknown mode %q", mode)
	}
	if runs > 0 {
		timing.Runs = runs
	}
	if warmup > 0 {
		timing.Warmup = warmup
	}
	if duration > 0 {
		timing.Duration = duration
	}
	if settle > 0 {
		timing.Settle = settle
	}
	if idleConns > 0 {
		idle = idleConns
	}

	r := &matrix.Runner{Timing: timing, NoPin: noPin, Log: os.Stderr}
	if profileDir != "" {
		if err := os.MkdirAll(profileDir, 0o755); err != nil {
			return err
		}
		if r.ProfileDir, err = filepath.Abs(profileDir); err != nil {
			return err
		}
	}
	want := strings.Split(scenarioList, ",")
	for _, sc := range matrix.Scenarios(idle) {
		if slices.Contains(want, sc.ID) {
			r.Scenarios = append(r.Scenarios, sc)
		}
	}
	if len(r.Scenarios) == 0 {
		return fmt.Errorf("no known scenario in %q", scenarioList)
	}
	for _, s := range matrix.Servers() {
		if serverList == "all" || slices.Contains(strings.Split(serverList, ","), s.Name) {
			r.Servers = append(r.Servers, s)
		}
	}
	if len(r.Servers) == 0 {
		return fmt.Errorf("no known server in %q", serverList)
	}

	if r.BenchDir, err = findBenchDir(benchDir); err != nil {
		return err
	}
	r.BinDir = binDir
	if r.BinDir == "" {
		if r.BinDir, err = os.MkdirTemp("", "wsbench-"); err != nil {
			return err
		}
		defer os.RemoveAll(r.BinDir)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	fmt.Fprintf(os.Stderr, "building %d servers and the load generator in %s\n", len(r.Servers), r.BinDir)
	if err := r.Build(ctx); err != nil {
		return err
	}
	res, err := r.Run(ctx)
	if err != nil {
		return err
	}
	md := res.Markdown(title)
	fmt.Print(md)
	if out != "" {
		if err := os.WriteFile(out, []byte(md), 0o644); err != nil {
			return err
		}
	}
	if jsonOut != "" {
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(jsonOut, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// findBenchDir returns dir, or the bench module found from the working
// directory (bench/ itself, one of its subdirectories, or the repository root).
func findBenchDir(dir string) (string, error) {
	if dir != "" {
		return filepath.Abs(dir)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		for _, cand := range []string{d, filepath.Join(d, "bench")} {
			if b, err := os.ReadFile(filepath.Join(cand, "go.mod")); err == nil &&
				strings.Contains(string(b), "module github.com/wsplug/wsplug/bench\n") {
				return cand, nil
			}
		}
		if parent := filepath.Dir(d); parent == d {
			return "", fmt.Errorf("no bench module above %s: pass -bench-dir", wd)
		}
	}
}
