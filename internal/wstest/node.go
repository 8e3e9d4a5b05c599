package wstest

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// NodeWSInstall says how to get Node's ws package for the interop tests.
const NodeWSInstall = "apt-get install -y nodejs npm, then (cd interop && npm ci)"

// NeedNodeWS requires Node.js on PATH and the npm package ws 8.x installed in
// interopDir/node_modules (interop/package.json, by npm ci). It returns the
// node executable's path.
func NeedNodeWS(t testing.TB, interopDir string) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		NeedPeer(t, false, "Node.js (node on PATH)", NodeWSInstall)
		return ""
	}
	dir, err := filepath.Abs(interopDir)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "-p", "require(require.resolve('ws/package.json', {paths: [process.argv[1]]})).version", dir)
	out, err := cmd.Output()
	version := strings.TrimSpace(string(out))
	NeedPeer(t, err == nil && strings.HasPrefix(version, "8."),
		"Node's ws 8.x (in "+filepath.Join(dir, "node_modules")+")", NodeWSInstall)
	return node
}
