package matrix

import (
	"context"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain fails the run when a test leaves goroutines behind, and removes
// the binaries the tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			os.Stderr.WriteString("goleak: " + err.Error() + "\n")
			code = 1
		}
	}
	os.Exit(code)
}

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// builtRunner returns a Runner whose binaries (every server and the load
// generator) are built once for all tests.
func builtRunner(t *testing.T) *Runner {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("the go command is needed to build the servers")
		}
		t.Skip("no go command to build the servers")
	}
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "matrix-test-"); buildErr != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		buildErr = (&Runner{BenchDir: "..", BinDir: binDir, Servers: Servers()}).Build(ctx)
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return &Runner{BenchDir: "..", BinDir: binDir, Sources: 2, Log: testLog{t}}
}
