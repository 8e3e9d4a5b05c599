package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsplug/wsplug/wscore"
	"go.uber.org/goleak"
)

// binDir holds the command, built once for all tests.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "autobahn-client-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// fakeFuzzingServer plays the Autobahn|Testsuite fuzzingserver's part: it
// counts cases, runs each by sending messages and checking their echoes, and
// records the report request.
type fakeFuzzingServer struct {
	cases [][]message
	// accept answers compression offers (nil: compression off).
	accept func([]wscore.DeflateOffer) *wscore.DeflateResponse
	// countAnswer replaces the case count sent by /getCaseCount; noCount
	// sends none at all.
	countAnswer string
	noCount     bool

	mu       sync.Mutex
	offers   []string // Sec-WebSocket-Extensions of every request
	answers  []string // what the server answered, for every /runCase
	counted  int
	results  map[int]string // case -> "ok" or what went wrong
	agents   []string       // agent of every runCase and updateReports
	reported []string
}

type message struct {
	payload  []byte
	isBinary bool
}

// fuzzProtocol is one connection to the fake server.
type fuzzProtocol struct {
	wscore.BaseServerProtocol
	s       *fakeFuzzingServer
	path    string
	caseNo  int
	pending []message
}

func (p *fuzzProtocol) OnConnect(r *wscore.ConnectionRequest) (wscore.Accept, error) {
	p.path = r.Path
	agent := r.Query.Get("agent")
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	p.s.offers = append(p.s.offers, r.Header.Get("Sec-WebSocket-Extensions"))
	switch r.Path {
	case "/getCaseCount":
		p.s.counted++
	case "/runCase":
		n, err := strconv.Atoi(r.Query.Get("case"))
		if err != nil || n < 1 || n > len(p.s.cases) {
			return wscore.Accept{}, &wscore.HTTPError{Status: 400, Reason: "bad case"}
		}
		p.caseNo = n
		p.pending = p.s.cases[n-1]
		p.s.agents = append(p.s.agents, agent)
	case "/updateReports":
		p.s.reported = append(p.s.reported, agent)
	default:
		return wscore.Accept{}, &wscore.HTTPError{Status: 404, Reason: "no such path"}
	}
	return wscore.Accept{}, nil
}

func (p *fuzzProtocol) OnOpen(c *wscore.Conn) {
	switch p.path {
	case "/getCaseCount":
		switch {
		case p.s.noCount:
		case p.s.countAnswer != "":
			c.SendMessage([]byte(p.s.countAnswer), false)
		default:
			c.SendMessage([]byte(strconv.Itoa(len(p.s.cases))), false)
		}
		c.SendClose(wscore.CloseNormal, "")
	case "/runCase":
		p.s.mu.Lock()
		p.s.answers = append(p.s.answers, c.Extensions())
		p.s.mu.Unlock()
		for _, m := range p.pending {
			c.SendMessage(m.payload, m.isBinary)
		}
		if len(p.pending) == 0 {
			p.result("ok")
			c.SendClose(wscore.CloseNormal, "")
		}
	default:
		c.SendClose(wscore.CloseNormal, "")
	}
}

func (p *fuzzProtocol) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	if p.path != "/runCase" || len(p.pending) == 0 {
		p.result("unexpected message")
		c.SendClose(wscore.CloseNormal, "")
		return
	}
	want := p.pending[0]
	p.pending = p.pending[1:]
	if want.isBinary != isBinary || !bytes.Equal(want.payload, payload) {
		p.result(fmt.Sprintf("echo differs: %d bytes binary %v", len(payload), isBinary))
		c.SendClose(wscore.CloseNormal, "")
		return
	}
	if len(p.pending) == 0 {
		p.result("ok")
		c.SendClose(wscore.CloseNormal, "")
	}
}

func (p *fuzzProtocol) result(r string) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if _, done := p.s.results[p.caseNo]; !done {
		p.s.results[p.caseNo] = r
	}
}

func startFake(t *testing.T, s *fakeFuzzingServer) string {
	t.Helper()
	s.results = map[int]string{}
	srv, err := wscore.NewServer(func() wscore.ServerProtocol { return &fuzzProtocol{s: s} }, wscore.Options{PerMessageCompressionAccept: s.accept})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { srv.Upgrade(w, r) })}
	done := make(chan struct{})
	go func() {
		defer close(done)
		hs.Serve(ln)
	}()
	t.Cleanup(func() {
		hs.Close()
		<-done
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return "ws://" + ln.Addr().String()
}

var (
	buildOnce sync.Once
	buildErr  error
)

// build compiles the command once.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(binDir, "autobahn-client")
	buildOnce.Do(func() {
		goBin, err := exec.LookPath("go")
		if err != nil {
			goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		if out, err := exec.Command(goBin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return bin
}

func runCmd(t *testing.T, bin string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	code := 0
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("running %s: %v", bin, err)
	}
	return out.String(), errb.String(), code
}

func TestAutobahnClientCommand(t *testing.T) {
	bin := build(t)
	big := bytes.Repeat([]byte{0xfe, 0x01, 0x7f}, 1<<20) // 3 MiB
	s := &fakeFuzzingServer{cases: [][]message{
		{{[]byte("Hello"), false}},
		{{bytes.Repeat([]byte{0, 1, 2, 255}, 64), true}},
		{{[]byte{}, false}, {big, true}, {[]byte("κόσμε"), false}},
	}}
	url := startFake(t, s)

	out, errOut, code := runCmd(t, bin, "-url", url, "-agent", "wsplug test")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.counted != 1 {
		t.Errorf("getCaseCount asked %d times", s.counted)
	}
	for i := 1; i <= len(s.cases); i++ {
		if s.results[i] != "ok" {
			t.Errorf("case %d: %q", i, s.results[i])
		}
	}
	if strings.Join(s.agents, "|") != "wsplug test|wsplug test|wsplug test" {
		t.Errorf("runCase agents %q", s.agents)
	}
	if len(s.reported) != 1 || s.reported[0] != "wsplug test" {
		t.Errorf("updateReports agents %q", s.reported)
	}
	for _, want := range []string{"running 3 cases", "case 3/3: clean=true code=1000", "reports updated"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestAutobahnClientDefaultAgent(t *testing.T) {
	bin := build(t)
	s := &fakeFuzzingServer{cases: [][]message{{{[]byte("x"), false}}}}
	url := startFake(t, s)
	if out, errOut, code := runCmd(t, bin, "-url", url+"/"); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.reported) != 1 || s.reported[0] != "wsplug" || s.results[1] != "ok" {
		t.Fatalf("reported %q results %v", s.reported, s.results)
	}
}

func TestAutobahnClientNoServer(t *testing.T) {
	bin := build(t)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	_, errOut, code := runCmd(t, bin, "-url", "ws://"+addr)
	if code == 0 || !strings.Contains(errOut, "getCaseCount") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

// The offers the command makes with -deflate (the default).
const wantOffer = "permessage-deflate; client_max_window_bits, permessage-deflate; client_no_context_takeover; client_max_window_bits"

// autobahnAccept is the fuzzingserver's accept function of case 13.n (n 1 to
// 7; autobahn-testsuite case12_x_x.py, accept1 to accept7) in wscore's terms:
// pick the first offer that allows what the case asks of the client
// (client_no_context_takeover, client_max_window_bits), ask for it, and echo
// what the offer asks of the server. nil when no offer allows it (the case
// would be UNIMPLEMENTED).
func autobahnAccept(n int) func([]wscore.DeflateOffer) *wscore.DeflateResponse {
	type req struct {
		noContext bool
		bits      int
	}
	variants := map[int][]req{
		1: {{false, 0}}, 2: {{true, 0}}, 3: {{false, 8}}, 4: {{false, 15}},
		5: {{true, 8}}, 6: {{true, 15}}, 7: {{true, 8}, {true, 0}, {false, 0}},
	}
	return func(offers []wscore.DeflateOffer) *wscore.DeflateResponse {
		for _, r := range variants[n] {
			for _, o := range offers {
				if (r.noContext && !o.ClientNoContextTakeover) || (r.bits != 0 && o.ClientMaxWindowBits == 0) {
					continue
				}
				return &wscore.DeflateResponse{
					ServerNoContextTakeover: o.ServerNoContextTakeover,
					ServerMaxWindowBits:     o.ServerMaxWindowBits,
					ClientNoContextTakeover: r.noContext,
					ClientMaxWindowBits:     r.bits,
				}
			}
		}
		return nil
	}
}

// The command offers compression by default and works with whatever each
// of the fuzzingserver's accept variants of section 13 answers; compressed
// messages of several sizes come back intact.
func TestAutobahnClientDeflate(t *testing.T) {
	bin := build(t)
	json := []byte(strings.Repeat(`{"id": 12345, "name": "alpha beta", "tags": ["x", "y"], "active": true}, `, 2000))
	wants := map[int]string{
		1: "permessage-deflate",
		2: "permessage-deflate; client_no_context_takeover",
		3: "permessage-deflate; client_max_window_bits=8",
		4: "permessage-deflate; client_max_window_bits=15",
		5: "permessage-deflate; client_no_context_takeover; client_max_window_bits=8",
		6: "permessage-deflate; client_no_context_takeover; client_max_window_bits=15",
		7: "permessage-deflate; client_no_context_takeover; client_max_window_bits=8",
	}
	for n := 1; n <= 7; n++ {
		t.Run(fmt.Sprintf("13.%d", n), func(t *testing.T) {
			var msgs []message
			for _, size := range []int{16, 1024, 8192, 65536, 131072} {
				for i := 0; i < 3; i++ {
					off := (i * 7919) % (len(json) - size)
					msgs = append(msgs, message{json[off : off+size], false})
				}
			}
			s := &fakeFuzzingServer{cases: [][]message{msgs}, accept: autobahnAccept(n)}
			url := startFake(t, s)
			out, errOut, code := runCmd(t, bin, "-url", url)
			if code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.results[1] != "ok" {
				t.Fatalf("case: %q", s.results[1])
			}
			for i, o := range s.offers {
				if o != wantOffer {
					t.Fatalf("request %d offered %q, want %q", i, o, wantOffer)
				}
			}
			if len(s.answers) != 1 || s.answers[0] != wants[n] {
				t.Fatalf("server answered %q, want %q", s.answers, wants[n])
			}
		})
	}

	// -deflate=false offers nothing.
	s := &fakeFuzzingServer{cases: [][]message{{{[]byte("plain"), false}}}, accept: wscore.DefaultDeflateAccept}
	url := startFake(t, s)
	if out, errOut, code := runCmd(t, bin, "-url", url, "-deflate=false"); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.offers) != 3 || s.offers[0] != "" || len(s.answers) != 1 || s.answers[0] != "" || s.results[1] != "ok" {
		t.Fatalf("offers %q, answers %q, results %v", s.offers, s.answers, s.results)
	}
}

// /getCaseCount must answer with a number: no answer, or another text, is
// an error, not zero cases run.
func TestAutobahnClientBadCaseCount(t *testing.T) {
	bin := build(t)
	for _, c := range []struct {
		name string
		s    *fakeFuzzingServer
		want string
	}{
		{"no answer", &fakeFuzzingServer{noCount: true}, "sent no case count"},
		{"not a number", &fakeFuzzingServer{countAnswer: "many"}, "not a number"},
		{"negative", &fakeFuzzingServer{countAnswer: "-3"}, "negative"},
	} {
		t.Run(c.name, func(t *testing.T) {
			url := startFake(t, c.s)
			out, errOut, code := runCmd(t, bin, "-url", url)
			if code == 0 || !strings.Contains(errOut, c.want) || strings.Contains(out, "running") {
				t.Fatalf("exit %d, stdout %q, stderr %q; want non-zero with %q", code, out, errOut, c.want)
			}
		})
	}
}
