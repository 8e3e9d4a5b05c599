package adaptertest

import (
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gorilla/websocket"

	"github.com/wsplug/wsplug/wscore"
)

// chromium is Debian's browser, which the browser test drives.
const chromium = "/usr/bin/chromium"

// ArtifactsDir is where tests save what a person should look at (the status
// page's screenshots), so that it outlasts the run: $WSPLUG_ARTIFACTS, or
// else artifacts/ at the root of the repository (git-ignored; .ci/run exports
// the variable to the same place). Only a test binary run outside the
// repository falls back to the test's temporary directory.
func ArtifactsDir(t *testing.T) string {
	d := os.Getenv("WSPLUG_ARTIFACTS")
	if d == "" {
		root, err := repoRoot()
		if err != nil {
			t.Logf("artifacts go to a temporary directory: %v", err)
			return t.TempDir()
		}
		d = filepath.Join(root, "artifacts")
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

// modulePath is the main module's path, whose go.mod marks the repository
// root.
const modulePath = "github.com/wsplug/wsplug"

// repoRoot finds the directory of the main module's go.mod, upwards from the
// working directory (go test runs a test in its package's directory).
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && declaresModule(b, modulePath) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod of " + modulePath + " above the working directory")
		}
		dir = parent
	}
}

// declaresModule reports whether a go.mod's module directive names path.
func declaresModule(gomod []byte, path string) bool {
	for _, line := range strings.Split(string(gomod), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "module" && strings.Trim(f[1], `"`) == path {
			return true
		}
	}
	return false
}

// browser starts a headless Chromium for the test, or skips it (fails under
// CI=true) when there is none.
func browser(t *testing.T) context.Context {
	t.Helper()
	if _, err := exec.LookPath(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found: install Debian's chromium (apt-get install -y chromium)", chromium)
		}
		t.Skipf("%s not found: install Debian's chromium to run the browser test", chromium)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("no-pings", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc() // ends the browser process it started, and waits for it
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("starting %s: %v", chromium, err)
	}
	return ctx
}

// RunBrowser loads the route's status page in a real headless Chromium, sends
// a message through the page's console (a real browser WebSocket), checks the
// echo appears on the page and the live counters refresh, and saves
// screenshots of the page (desktop and phone width) in ArtifactsDir.
func RunBrowser(t *testing.T, setup Setup) {
	// Default origin policy: the page's own origin is the same origin. The
	// server starts first, so the browser is gone before the engines shut
	// down and start's leak check runs.
	s := start(t, setup, Route{Path: "/echo", Options: wscore.Options{MaxConnections: 100, Subprotocols: []string{"echo.v1"}}})
	ctx := browser(t)

	// Some traffic first, so the page has something to show.
	c := mustDial(t, s.ws("/echo"), nil)
	for _, m := range []string{"one", "two", "three"} {
		echoOnce(t, c, websocket.TextMessage, []byte(m))
	}
	closeClean(t, c)
	wantRefused(t, s.ws("/echo"), http.Header{"Origin": {"https://elsewhere.example"}}, http.StatusForbidden, "origin")
	wantRefused(t, s.ws("/echo"), http.Header{"Sec-WebSocket-Version": {"12"}}, http.StatusUpgradeRequired, "Version")

	// Collect what the page reports: uncaught exceptions, errors and
	// security messages (a Content-Security-Policy violation is one).
	consoleCtx, stopConsole := context.WithCancel(ctx)
	messages := chromedp.Console(consoleCtx)
	var mu sync.Mutex
	var problems []string
	consoleDone := make(chan struct{})
	go func() {
		defer close(consoleDone)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError || m.Source == "security" {
				mu.Lock()
				problems = append(problems, string(m.Type)+": "+m.Text)
				mu.Unlock()
			}
		}
	}()
	defer func() {
		stopConsole()
		<-consoleDone
	}()

	const msg = "hello from chromium <b>&</b>"
	url := s.base + "/echo"
	if err := chromedp.Do(ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS("#console-input")),
		chromedp.WaitEnabled(chromedp.CSS("#console-input")),
		chromedp.SendKeys(chromedp.CSS("#console-input"), msg),
		chromedp.Click(chromedp.CSS("#console-send")),
	); err != nil {
		t.Fatalf("loading %s and sending through its console: %v", url, err)
	}
	waitText(t, ctx, `(document.querySelector("#console-log .in .m") || {}).textContent`, msg, "the echo in the page's console")
	waitText(t, ctx, `document.getElementById("ws-state").getAttribute("data-state")`, "open", "the console's connection state")
	// The page was rendered with no open connection; the refresh must show the
	// console's own (and the counted messages).
	waitText(t, ctx, `document.querySelector('[data-k="open"]').textContent`, "1", "the live open-connections counter")
	waitText(t, ctx, `document.querySelector('[data-k="messages_in"]').textContent`, "4", "the live messages-in counter")
	if st := s.engines["/echo"].Stats(); st.Open != 1 || st.Accepted != 2 {
		t.Errorf("engine after the browser connected: %+v", st)
	}

	dir := ArtifactsDir(t)
	desktop, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Sleep(300*time.Millisecond), // let the layout settle
	); err != nil {
		t.Fatalf("phone viewport: %v", err)
	}
	phone, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	for name, png := range map[string][]byte{"desktop": desktop, "phone": phone} {
		path := filepath.Join(dir, "status-"+setup.Name+"-"+name+".png")
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}
	stopConsole()
	<-consoleDone
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("the page reported problems:\n%s", strings.Join(problems, "\n"))
	}
}

// waitText polls a JavaScript expression in the page until it yields want.
func waitText(t *testing.T, ctx context.Context, expr, want, what string) {
	t.Helper()
	var got string
	deadline := time.Now().Add(10 * time.Second)
	for {
		var err error
		got, err = chromedp.Run(ctx, chromedp.Evaluate[string](`String(`+expr+`)`))
		if err == nil && got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: got %q (%v), want %q", what, got, err, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
