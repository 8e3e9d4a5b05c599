package wstest

import (
	"os"
	"os/exec"
	"testing"
)

// InCI reports whether the tests run under CI (CI=true), where every external
// peer must be present: a missing one fails the test instead of skipping it.
func InCI() bool { return os.Getenv("CI") == "true" }

// NeedPeer skips the test with a clear message when an external peer is
// missing, or fails it under CI. what names the peer, install how to get it.
func NeedPeer(t testing.TB, available bool, what, install string) {
	t.Helper()
	if available {
		return
	}
	if InCI() {
		t.Fatalf("%s is not installed (CI=true requires every peer): %s", what, install)
	}
	t.Skipf("%s is not installed; skipping (install: %s)", what, install)
}

// DebianPython is Debian's interpreter, which sees Debian's python3-*
// packages (the python3 on PATH may be a separate build that does not).
const DebianPython = "/usr/bin/python3"

// NeedAutobahnPython requires Debian's python3-autobahn and python3-wsaccel.
func NeedAutobahnPython(t testing.TB) {
	t.Helper()
	err := exec.Command(DebianPython, "-c", "import autobahn.asyncio.websocket, wsaccel").Run()
	NeedPeer(t, err == nil, "Autobahn|Python (Debian python3-autobahn, python3-wsaccel)", "apt-get install -y python3-autobahn python3-wsaccel")
}
