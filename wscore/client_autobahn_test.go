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

// startChildServer runs cmd, an interop peer's server that prints
// "LISTENING <port>" as its first line on stdout, and returns its ws:// URL
// and its stderr. Its later stdout lines go to lines unless that is nil (and
// are dropped when nobody reads that many). At cleanup its stdin is closed;
// then, with exitWithin 0, it is killed by its PID; otherwise it must exit by
// itself within exitWithin (or it is killed by its PID), successfully.
func startChildServer(t *testing.T, name string, cmd *exec.Cmd, lines chan<- string, exitWithin time.Duration) (string, *stderrBuffer) {
	t.Helper()
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
	first := make(chan string, 1)
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		sc := bufio.NewScanner(stdout)
		for i := 0; sc.Scan(); i++ {
			switch {
			case i == 0:
				first <- sc.Text()
			case lines != nil:
				select {
				case lines <- sc.Text():
				default: // nobody is reading that many
				}
			}
		}
		cmd.Wait()
	}()
	t.Cleanup(func() {
		stdin.Close()
		if exitWithin == 0 {
			cmd.Process.Kill()
			<-exited
			return
		}
		select {
		case <-exited:
		case <-time.After(exitWithin):
			t.Errorf("%s did not exit within %v of its stdin closing; killing PID %d", name, exitWithin, cmd.Process.Pid)
			cmd.Process.Kill()
			<-exited
		}
		if cmd.ProcessState != nil && !cmd.ProcessState.Success() {
			t.Errorf("%s: %v; stderr: %s", name, cmd.ProcessState, stderr)
		}
	})
	select {
	case line := <-first:
		port, ok := strings.CutPrefix(line, "LISTENING ")
		if !ok {
			t.Fatalf("%s said %q; stderr: %s", name, line, stderr)
		}
		return "ws://127.0.0.1:" + port + "/", stderr
	case <-exited:
		t.Fatalf("%s exited; stderr: %s", name, stderr)
	case <-time.After(20 * time.Second):
		t.Fatalf("%s did not start within 20s; stderr: %s", name, stderr)
	}
	return "", stderr
}

// startAutobahnEchoServer runs interop/autobahn_echo_server.py on a free
// loopback port and returns its URL; the process is killed (by its PID) when
// the test ends. Without python3-autobahn the test is skipped, or fails under
// CI=true.
func startAutobahnEchoServer(t *testing.T, subprotocols string, extra ...string) string {
	t.Helper()
	wstest.NeedAutobahnPython(t)
	cmd := exec.Command(wstest.DebianPython, append([]string{"../interop/autobahn_echo_server.py", "--subprotocols", subprotocols}, extra...)...)
	url, _ := startChildServer(t, "autobahn server", cmd, nil, 0)
	return url
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
