package adaptertest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsplug/wsplug/wscore"
)

// Without $WSPLUG_ARTIFACTS the screenshots go to artifacts/ at the
// repository root, which git ignores, so they outlast the run; with it, to
// the directory it names.
func TestArtifactsDir(t *testing.T) {
	t.Setenv("WSPLUG_ARTIFACTS", "")
	root, err := filepath.Abs(filepath.Join("..", "..")) // this package is internal/adaptertest
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ArtifactsDir(t), filepath.Join(root, "artifacts"); got != want {
		t.Errorf("ArtifactsDir() = %q, want %q", got, want)
	}
	if fi, err := os.Stat(filepath.Join(root, "artifacts")); err != nil || !fi.IsDir() {
		t.Errorf("artifacts/ not created: %v", err)
	}
	gitignore, err := os.ReadFile(filepath.Join(root, ".gitignore"))
	if err != nil || !strings.Contains(string(gitignore), "/artifacts/") {
		t.Errorf(".gitignore does not ignore /artifacts/: %v", err)
	}

	dir := filepath.Join(t.TempDir(), "shots", "run-1")
	t.Setenv("WSPLUG_ARTIFACTS", dir)
	if got := ArtifactsDir(t); got != dir {
		t.Errorf("with WSPLUG_ARTIFACTS=%s: %q", dir, got)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Errorf("%s not created: %v", dir, err)
	}
}

func TestDeclaresModule(t *testing.T) {
	for gomod, want := range map[string]bool{
		"module github.com/wsplug/wsplug\n\ngo 1.26\n":            true,
		"// x\nmodule \"github.com/wsplug/wsplug\"\n":             true,
		"module github.com/wsplug/wsplug/examples/chat\n":         false,
		"require github.com/wsplug/wsplug v0.0.0\nmodule other\n": false,
	} {
		if got := declaresModule([]byte(gomod), modulePath); got != want {
			t.Errorf("declaresModule(%q) = %v, want %v", gomod, got, want)
		}
	}
}

// leakySetup's Start leaves a goroutine running until stop is closed.
func leakySetup(stop chan struct{}) Setup {
	return Setup{Name: "leaky", Start: func(t testing.TB, factory wscore.ServerProtocolFactory, routes []Route) (string, map[string]*wscore.Server) {
		engines := map[string]*wscore.Server{}
		for _, r := range routes {
			engines[r.Path] = wscore.MustNewServer(factory, r.Options)
		}
		go func() { <-stop }()
		return "http://127.0.0.1:1", engines
	}}
}

// TestLeakyHelper is run by TestLeakCheck in a child process only.
func TestLeakyHelper(t *testing.T) {
	if os.Getenv("WSPLUG_LEAKY_HELPER") != "1" {
		t.Skip("run by TestLeakCheck")
	}
	start(t, leakySetup(make(chan struct{})), Route{Path: "/leak"})
}

// The harness checks for leaked goroutines after each test: a scenario whose
// setup leaves one behind fails, naming it, while one that ends its
// goroutines passes.
func TestLeakCheck(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestLeakyHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), "WSPLUG_LEAKY_HELPER=1")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "--- FAIL: TestLeakyHelper") || !strings.Contains(string(out), "found unexpected goroutines") {
		t.Errorf("a leaking test passed the per-test check (%v):\n%s", err, out)
	}

	stop := make(chan struct{})
	t.Run("goroutine ended in time", func(t *testing.T) {
		start(t, leakySetup(stop), Route{Path: "/ok"})
		t.Cleanup(func() { close(stop) }) // runs before the leak check
	})
}
