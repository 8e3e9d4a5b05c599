package examples

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The seed's client against the echo server example: it gets its echo and
// exits 0.
func TestClientExampleAgainstEchoExample(t *testing.T) {
	t.Parallel()
	server := buildExample(t, "echo")
	client := buildExample(t, "client")
	url := startExample(t, server, "-addr", "127.0.0.1:0")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, client, "-url", wsURL(url), "-timeout", "10s").CombinedOutput()
	if err != nil {
		t.Fatalf("client: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Text message received: Hello, world!") {
		t.Fatalf("client output:\n%s", out)
	}
}
