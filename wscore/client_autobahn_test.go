package wscore

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
)

// stderrBuffer collects a child's stderr for the failure message.
type stderrBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *stderrBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *stderrBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startAutobahnEchoServer runs interop/autobahn_echo_server.py on a free
// loopback port and returns its URL; the process is killed (by its PID) when
// the test ends. Without python3-autobahn the test is skipped, or fails under
// CI=true.
func startAutobahnEchoServer(t *testing.T, subprotocols string, extra ...string) string {
	t.Helper()
	wstest.NeedAutobahnPython(t)
	cmd := exec.Command(wstest.DebianPython, append([]string{"../interop/autobahn_echo_server.py", "--subprotocols", subprotocols}, extra...)...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &stderrBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		sc := bufio.NewScanner(stdout)
		first := true
		for sc.Scan() {
			if first {
				lines <- sc.Text()
				first = false
			}
		}
	}()
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		<-drained
		cmd.Wait()
	})
	select {
	case line := <-lines:
		port, ok := strings.CutPrefix(line, "LISTENING ")
		if !ok {
			t.Fatalf("autobahn server said %q; stderr: %s", line, stderr)
		}
		return "ws://127.0.0.1:" + port + "/"
	case <-drained:
		t.Fatalf("autobahn server exited; stderr: %s", stderr)
	case <-time.After(20 * time.Second):
		t.Fatalf("autobahn server did not start within 20s; stderr: %s", stderr)
	}
	return ""
}

func TestClientInteropAutobahnPython(t *testing.T) {
	url := startAutobahnEchoServer(t, "superchat,chat")
	runClientInterop(t, url)

	// Autobahn also speaks hybi-08.
	p := newRecClient()
	c := dialT(t, url, p, &ClientOptions{Version: 8, Origin: "http://example.com"})
	if c.Version() != 8 {
		t.Fatalf("version %d", c.Version())
	}
	clientRoundTrip(t, c, p, 70000, false)
	c.SendClose(CloseNormal, "")
	if ci := p.nextClose(t, 10*time.Second); !ci.wasClean || ci.code != CloseNormal {
		t.Fatalf("OnClose %+v", ci)
	}
}
