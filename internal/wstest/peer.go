package wstest

import (
	"os"
	"os/exec"
	"testing"
)

// RequireExecutable returns path when it exists and is executable. Otherwise
// the test is skipped with a clear message, or fails when the environment
// variable CI is "true" (CI must run every peer).
func RequireExecutable(t testing.TB, path, what string) string {
	t.Helper()
	if p, err := exec.LookPath(path); err == nil {
		return p
	}
	msg := what + " not found at " + path
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: every peer must be present)")
	}
	t.Skip(msg + "; skipping")
	return ""
}
