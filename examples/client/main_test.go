package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/wsplug/wsplug/wscore"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// buildClient compiles this command into a temporary directory.
func buildClient(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "client")
	if out, err := exec.Command(goBin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// server is a wscore server on loopback with the given protocol.
func server(t *testing.T, factory wscore.ServerProtocolFactory) string {
	t.Helper()
	s, err := wscore.NewServer(factory, wscore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/forbidden" {
			http.Error(w, "no entry without a token", http.StatusForbidden)
			return
		}
		s.Upgrade(w, r)
	})}
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
		s.Shutdown(ctx)
	})
	return "ws://" + ln.Addr().String() + "/"
}

type echo struct{ wscore.BaseServerProtocol }

func (echo) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	c.SendMessage([]byte{1, 2, 3}, true) // something binary first, printed too
	c.SendMessage(payload, isBinary)
}

type silent struct{ wscore.BaseServerProtocol }

type closer struct{ wscore.BaseServerProtocol }

func (closer) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	c.SendClose(4000, "not today")
}

// runClient runs the built command and returns its output and exit code.
func runClient(t *testing.T, bin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("running %s: %v", bin, err)
	}
	return out.String(), errb.String(), code
}

func TestClientCommand(t *testing.T) {
	bin := buildClient(t)

	t.Run("echo", func(t *testing.T) {
		url := server(t, func() wscore.ServerProtocol { return echo{} })
		out, errOut, code := runClient(t, bin, "-url", url)
		if code != 0 {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
		for _, want := range []string{
			"Server connected: 127.0.0.1:",
			"WebSocket connection open.",
			"Binary message received: 3 bytes",
			"Text message received: Hello, world!",
			"WebSocket connection closed: clean=true code=1000",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})

	failures := []struct {
		name    string
		factory wscore.ServerProtocolFactory
		path    string
		args    []string
		want    string
	}{
		{"no echo", func() wscore.ServerProtocol { return silent{} }, "", []string{"-timeout", "1s"}, "no echo within 1s"},
		{"server closes first", func() wscore.ServerProtocol { return closer{} }, "", nil, "closed before the echo arrived (code 4000: not today)"},
		{"403", func() wscore.ServerProtocol { return echo{} }, "forbidden", nil, "no entry without a token"},
	}
	for _, f := range failures {
		t.Run(f.name, func(t *testing.T) {
			url := server(t, f.factory) + f.path
			out, errOut, code := runClient(t, bin, append([]string{"-url", url}, f.args...)...)
			if code == 0 || !strings.Contains(errOut, f.want) {
				t.Fatalf("exit %d, stderr %q, want non-zero and %q (stdout %q)", code, errOut, f.want, out)
			}
		})
	}

	t.Run("nothing listening", func(t *testing.T) {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := ln.Addr().String()
		ln.Close()
		_, errOut, code := runClient(t, bin, "-url", "ws://"+addr+"/")
		if code == 0 || !strings.Contains(errOut, "connection refused") {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
	})

	t.Run("bad url", func(t *testing.T) {
		_, errOut, code := runClient(t, bin, "-url", "http://127.0.0.1/")
		if code == 0 || !strings.Contains(errOut, "scheme") {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
	})
}

// The defaults the issue asks for: -url ws://127.0.0.1:9000/ and -timeout
// 10s, shown by -h; and, when port 9000 is free here, a run without flags
// reaches a server listening there.
func TestClientCommandDefaults(t *testing.T) {
	bin := buildClient(t)
	out, errOut, code := runClient(t, bin, "-h")
	help := out + errOut
	if code != 0 {
		t.Fatalf("-h: exit %d\n%s", code, help)
	}
	for _, want := range []string{`-url string`, `(default "ws://127.0.0.1:9000/")`, `-timeout duration`, `(default 10s)`} {
		if !strings.Contains(help, want) {
			t.Errorf("-h output lacks %q:\n%s", want, help)
		}
	}

	t.Run("without flags", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:9000")
		if err != nil {
			t.Skipf("port 9000 is taken (%v): the run without flags cannot reach a server there", err)
		}
		s, err := wscore.NewServer(func() wscore.ServerProtocol { return echo{} }, wscore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.Upgrade(w, r) })}
		done := make(chan struct{})
		go func() {
			defer close(done)
			hs.Serve(ln)
		}()
		defer func() {
			hs.Close()
			<-done
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			s.Shutdown(ctx)
		}()
		out, errOut, code := runClient(t, bin)
		if code != 0 || !strings.Contains(out, "Text message received: Hello, world!") || !strings.Contains(out, "Server connected: 127.0.0.1:9000") {
			t.Fatalf("without flags: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
	})
}
