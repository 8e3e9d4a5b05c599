package examples

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// binDir holds the example binaries, built once per test run.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "wsplug-examples-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

var builds sync.Map // example name -> *build

type build struct {
	once sync.Once
	bin  string
	err  error
}

// buildExample compiles ./<name> once per run and returns the binary.
func buildExample(t *testing.T, name string) string {
	t.Helper()
	return buildIn(t, name, "./"+name, "")
}

// buildModuleExample compiles an example that is a Go module of its own
// (examples/chat imports the Redis and NATS brokers, kept out of the main
// module), from its folder.
func buildModuleExample(t *testing.T, name string) string {
	t.Helper()
	return buildIn(t, name, ".", name)
}

func buildIn(t *testing.T, name, pkg, dir string) string {
	t.Helper()
	v, _ := builds.LoadOrStore(name, &build{})
	b := v.(*build)
	b.once.Do(func() {
		b.bin = filepath.Join(binDir, name)
		cmd := exec.Command("go", "build", "-o", b.bin, pkg)
		cmd.Dir = dir
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			b.err = fmt.Errorf("building examples/%s: %v\n%s", name, err, out.Bytes())
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.bin
}

var urlPattern = regexp.MustCompile(`\b(wss?|https?)://[^\s)]+`)

// proc is a running example.
type proc struct {
	cmd  *exec.Cmd
	url  string // the first URL it printed
	mu   sync.Mutex
	out  bytes.Buffer  // everything it printed on stdout
	done chan struct{} // closed once the process has exited
	err  error         // Wait's result, once done is closed
}

// output returns what the process printed so far.
func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// waitOutput waits (at most 5 s) until the process has printed want.
func (p *proc) waitOutput(t *testing.T, want string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(p.output(), want); {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not print %q; output:\n%s", filepath.Base(p.cmd.Path), want, p.output())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop sends sig and waits (at most 15 s) for the process to exit.
func (p *proc) stop(t *testing.T, sig syscall.Signal) error {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
		return p.err
	case <-time.After(15 * time.Second):
		t.Fatalf("%s did not exit within 15 s of %v; output:\n%s", filepath.Base(p.cmd.Path), sig, p.output())
		return nil
	}
}

// startProc runs an example server with args and waits for the first URL it
// prints. The process is killed (by its PID) when the test ends, unless it
// has exited.
func startProc(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &proc{cmd: exec.CommandContext(ctx, bin, args...), done: make(chan struct{})}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = os.Stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.mu.Lock()
			p.out.Write(sc.Bytes())
			p.out.WriteByte('\n')
			p.mu.Unlock()
			if m := urlPattern.FindString(sc.Text()); m != "" {
				select {
				case found <- m:
				default:
				}
			}
		}
	}()
	go func() {
		<-scanned // Wait closes the pipe: read everything first
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		cancel() // kills exactly this process, if it still runs
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
		}
	})
	select {
	case p.url = <-found:
	case <-p.done:
		t.Fatalf("%s exited before printing a URL: %v\n%s", filepath.Base(bin), p.err, p.output())
	case <-time.After(20 * time.Second):
		t.Fatalf("%s printed no URL within 20 s", filepath.Base(bin))
	}
	if strings.Contains(p.url, ":0/") {
		t.Fatalf("%s printed %q, not the address it listens on", filepath.Base(bin), p.url)
	}
	return p
}

// startExample runs an example server and returns the first URL it prints.
func startExample(t *testing.T, bin string, args ...string) string {
	t.Helper()
	return startProc(t, bin, args...).url
}

// httpClient makes no keep-alive connections, so none outlive a test.
var httpClient = &http.Client{
	Transport: &http.Transport{DisableKeepAlives: true},
	Timeout:   10 * time.Second,
}

// get fetches url with an Accept header ("" for none) and returns the
// status, content type and body.
func get(t *testing.T, url, accept string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), body.String()
}
