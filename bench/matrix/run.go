package matrix

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/wsplug/wsplug/bench/loadgen"
)

// Runner builds the binaries and runs the matrix.
type Runner struct {
	BenchDir  string // the bench module's directory (where go.mod is)
	BinDir    string // where the binaries are built
	Servers   []Server
	Scenarios []Scenario
	Timing    Timing
	Sources   int       // source addresses for the load generator; default 8
	NoPin     bool      // do not pin with taskset even when possible
	Log       io.Writer // progress lines; nil: none
	// ProfileDir, when set, has every server write a CPU profile of its run
	// there, named <scenario>-<server>-<run>.cpu (for go tool pprof).
	ProfileDir string
}

// Sample is the outcome of one run of one configuration.
type Sample struct {
	Values     map[string]float64 `json:"values,omitempty"`
	Extensions string             `json:"extensions,omitempty"`
	Err        string             `json:"error,omitempty"`
}

// Results are every sample of a matrix run, with what is needed to print it.
type Results struct {
	Machine   Machine                        `json:"machine"`
	Timing    Timing                         `json:"timing"`
	Pinned    bool                           `json:"pinned"`
	Scenarios []Scenario                     `json:"scenarios"`
	Servers   []Server                       `json:"servers"`
	Samples   map[string]map[string][]Sample `json:"samples"` // scenario ID -> server -> runs
	Elapsed   time.Duration                  `json:"elapsed"`
}

func (r *Runner) logf(format string, args ...any) {
	if r.Log != nil {
		fmt.Fprintf(r.Log, format+"\n", args...)
	}
}

// Build compiles the load generator and every server into BinDir with one go
// build (its packages build in parallel).
func (r *Runner) Build(ctx context.Context) error {
	if err := os.MkdirAll(r.BinDir, 0o755); err != nil {
		return err
	}
	args := []string{"build", "-o", r.BinDir + string(filepath.Separator), "./cmd/loadgen"}
	for _, s := range r.Servers {
		args = append(args, "./servers/"+s.Name)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = r.BenchDir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	return nil
}

// canPin tells whether taskset can put the server and the load generator on
// CPUs 0 and 1.
func canPin() bool {
	if _, err := exec.LookPath("taskset"); err != nil {
		return false
	}
	return cpus01Allowed()
}

// Run runs every scenario against every server Timing.Runs times. The
// servers are interleaved within each repetition, so slow drifts of the
// machine spread over all of them rather than landing on one.
func (r *Runner) Run(ctx context.Context) (*Results, error) {
	if r.Timing.Runs <= 0 {
		r.Timing.Runs = 1
	}
	if r.Sources == 0 {
		r.Sources = 8
	}
	res := &Results{
		Machine:   DescribeMachine(),
		Timing:    r.Timing,
		Pinned:    !r.NoPin && canPin(),
		Scenarios: r.Scenarios,
		Servers:   r.Servers,
		Samples:   map[string]map[string][]Sample{},
	}
	start := time.Now()
	total := len(r.Scenarios) * len(r.Servers) * r.Timing.Runs
	done := 0
	for _, sc := range r.Scenarios {
		res.Samples[sc.ID] = map[string][]Sample{}
		for run := 1; run <= r.Timing.Runs; run++ {
			for _, srv := range r.Servers {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				done++
				s := r.runOne(ctx, sc, srv, run, res.Pinned)
				res.Samples[sc.ID][srv.Name] = append(res.Samples[sc.ID][srv.Name], s)
				r.logf("[%d/%d] (%s) %-15s run %d/%d: %s", done, total, sc.ID, srv.Name, run, r.Timing.Runs, s.summary(sc))
			}
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

func (s Sample) summary(sc Scenario) string {
	if s.Err != "" {
		return "error: " + s.Err
	}
	var parts []string
	for _, m := range sc.Metrics {
		parts = append(parts, fmt.Sprintf("%s "+m.Format, m.Label, s.Values[m.Key]))
	}
	if sc.Deflate {
		ext := s.Extensions
		if ext == "" {
			ext = "none"
		}
		parts = append(parts, "extensions: "+ext)
	}
	return strings.Join(parts, ", ")
}

// runOne starts the server, runs the load generator against it and stops the
// server.
func (r *Runner) runOne(ctx context.Context, sc Scenario, srv Server, run int, pin bool) Sample {
	addr, err := freeAddr()
	if err != nil {
		return Sample{Err: err.Error()}
	}
	sargs := []string{"-addr", addr}
	if sc.Deflate {
		sargs = append(sargs, "-deflate")
	}
	if r.ProfileDir != "" {
		sargs = append(sargs, "-cpuprofile", filepath.Join(r.ProfileDir, fmt.Sprintf("%s-%s-%d.cpu", sc.ID, srv.Name, run)))
	}
	proc, err := startServer(filepath.Join(r.BinDir, srv.Name), sargs, pin)
	if err != nil {
		return Sample{Err: err.Error()}
	}
	defer proc.stop()
	if err := proc.waitReady(ctx, addr, 10*time.Second); err != nil {
		return Sample{Err: err.Error()}
	}
	largs := []string{"-addr", addr, "-pid", strconv.Itoa(proc.pid()), "-sources", strconv.Itoa(r.Sources)}
	if srv.Raw {
		largs = append(largs, "-raw")
	}
	budget := 2*time.Minute + r.Timing.Warmup + r.Timing.Duration
	if sc.Idle {
		largs = append(largs, "-idle", strconv.Itoa(sc.Conns), "-settle", r.Timing.Settle.String())
	} else {
		largs = append(largs,
			"-conns", strconv.Itoa(sc.Conns), "-inflight", strconv.Itoa(sc.InFlight),
			"-size", strconv.Itoa(sc.Size), "-payload", sc.Payload,
			"-warmup", r.Timing.Warmup.String(), "-duration", r.Timing.Duration.String(),
		)
		if sc.Binary {
			largs = append(largs, "-binary")
		}
		if sc.Deflate {
			largs = append(largs, "-deflate")
		}
	}
	out, err := runLoadgen(ctx, filepath.Join(r.BinDir, "loadgen"), largs, pin, budget)
	if err == nil {
		if exited := proc.exitErr(); exited != "" {
			err = errors.New("server exited during the run: " + exited)
		}
	}
	if err != nil {
		msg := err.Error()
		if tail := proc.stderrTail(); tail != "" {
			msg += " (server stderr: " + tail + ")"
		}
		return Sample{Err: msg}
	}
	return parseSample(sc, out)
}

func parseSample(sc Scenario, out []byte) Sample {
	if sc.Idle {
		var ir loadgen.IdleResult
		if err := json.Unmarshal(out, &ir); err != nil {
			return Sample{Err: "bad load generator output: " + err.Error()}
		}
		return Sample{Values: map[string]float64{
			KeyPerConn: ir.PerConn / 1024,
			KeyRSS:     float64(ir.RSS) / (1 << 20),
		}}
	}
	var lr loadgen.Result
	if err := json.Unmarshal(out, &lr); err != nil {
		return Sample{Err: "bad load generator output: " + err.Error()}
	}
	return Sample{
		Values: map[string]float64{
			KeyP50:  lr.P50us,
			KeyP99:  lr.P99us,
			KeyMsgs: lr.MsgsPerSec,
			KeyMB:   lr.MBPerSec,
			KeyRSS:  float64(lr.ServerRSS) / (1 << 20),
		},
		Extensions: lr.Extensions,
	}
}

// freeAddr picks a free loopback port.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// process is a running server.
type process struct {
	cmd    *exec.Cmd
	stderr *tailBuffer
	exited chan struct{}
	err    error // set when exited is closed
}

func startServer(bin string, args []string, pin bool) (*process, error) {
	cmd := command(bin, args, pin, 0)
	p := &process{cmd: cmd, stderr: &tailBuffer{max: 2048}, exited: make(chan struct{})}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", filepath.Base(bin), err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// command runs bin, on CPU cpu when pinning (taskset execs the program, so
// the process id is the program's).
func command(bin string, args []string, pin bool, cpu int) *exec.Cmd {
	if pin {
		return exec.Command("taskset", append([]string{"-c", strconv.Itoa(cpu), bin}, args...)...)
	}
	return exec.Command(bin, args...)
}

func (p *process) pid() int { return p.cmd.Process.Pid }

// waitReady waits until the server accepts TCP connections.
func (p *process) waitReady(ctx context.Context, addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("server exited at start: %v: %s", p.err, p.stderrTail())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server not listening on %s after %v", addr, timeout)
		}
	}
}

// exitErr reports whether the server has already exited, and how.
func (p *process) exitErr() string {
	select {
	case <-p.exited:
		return fmt.Sprint(p.err)
	default:
		return ""
	}
}

// stop ends the server (SIGTERM, then SIGKILL) and waits for it.
func (p *process) stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(3 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
	}
}

func (p *process) stderrTail() string { return strings.TrimSpace(p.stderr.String()) }

// runLoadgen runs the load generator on CPU 1 and returns its JSON output.
func runLoadgen(ctx context.Context, bin string, args []string, pin bool, budget time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	cmd := command(bin, args, pin, 1)
	var stdout bytes.Buffer
	stderr := &tailBuffer{max: 2048}
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	var err error
	select {
	case err = <-waited:
	case <-ctx.Done():
		cmd.Process.Kill()
		<-waited
		err = fmt.Errorf("load generator did not finish within %v", budget)
	}
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, errors.New(msg)
		}
		return nil, err
	}
	return stdout.Bytes(), nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
