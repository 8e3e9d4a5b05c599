package wscore

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
)

// Interop with Node's ws package (interop/package.json, installed by npm ci):
// its client against our server, and our client against its server. Without
// node or ws the tests skip, or fail under CI=true.

const nodeInteropDir = "../interop"

// nodeInteropSizes are the sizes sent as text and as binary: interopSizes
// without the last, bigMessage, which follows once.
var nodeInteropSizes = interopSizes[:len(interopSizes)-1]

// nodePlan is the JSON plan interop/ws_client.js executes.
type nodePlan struct {
	Messages []nodeMsg `json:"messages"`
	Deflate  any       `json:"deflate"` // false, true, or ws perMessageDeflate options
	Timeout  int       `json:"timeout"` // seconds
}

type nodeMsg struct {
	Size   int  `json:"size"`
	Binary bool `json:"binary"`
}

type nodeResult struct {
	Echoed     int      `json:"echoed"`
	Errors     []string `json:"errors"`
	Clean      bool     `json:"clean"`
	Code       *int     `json:"code"`
	Reason     string   `json:"reason"`
	Extensions string   `json:"extensions"`
}

// nodeScript returns the absolute path of a script in interop/.
func nodeScript(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(nodeInteropDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// runNodeClient runs interop/ws_client.js against url with a bounded time and
// returns its result line and its exit error (nil for exit 0). The process is
// killed when the time is up (the command's context), and its output is
// given up WaitDelay after that.
func runNodeClient(t *testing.T, node, url string, plan nodePlan) (nodeResult, error) {
	t.Helper()
	planJSON, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(plan.Timeout+30)*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, nodeScript(t, "ws_client.js"), url, string(planJSON))
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	runErr := cmd.Wait()
	var res nodeResult
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &res); err != nil {
		t.Fatalf("ws client (exit: %v) printed %q: %v\nstderr: %s", runErr, stdout.String(), err, stderr.String())
	}
	if runErr != nil {
		t.Logf("ws client stderr: %s", stderr.String())
	}
	return res, runErr
}

// TestInteropNodeWSClient: Node's ws client sends text and binary messages
// from 0 B to 16 MiB to our echo server, with and without permessage-deflate,
// checks every echo byte for byte and closes with 1000.
func TestInteropNodeWSClient(t *testing.T) {
	node := wstest.NeedNodeWS(t, nodeInteropDir)
	for _, tc := range []struct {
		name    string
		deflate any
		accept  func([]DeflateOffer) *DeflateResponse
		wantExt string
	}{
		{"plain", false, nil, ""},
		{"deflate", true, DefaultDeflateAccept, "permessage-deflate"},
		// ws offers client_max_window_bits by default; ask for more here.
		{"deflate-no-takeover", map[string]any{"serverNoContextTakeover": true, "clientNoContextTakeover": true, "serverMaxWindowBits": 10},
			DefaultDeflateAccept, "permessage-deflate"},
		// The client offers compression, the server does not accept it.
		{"offer-refused", true, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, Options{PerMessageCompressionAccept: tc.accept})
			plan := nodePlan{Deflate: tc.deflate, Timeout: 90}
			var total uint64
			for _, binary := range []bool{false, true} {
				for _, n := range nodeInteropSizes {
					plan.Messages = append(plan.Messages, nodeMsg{Size: n, Binary: binary})
					total += uint64(n)
				}
			}
			plan.Messages = append(plan.Messages, nodeMsg{Size: bigMessage, Binary: true})
			total += bigMessage

			bigMessageMu.Lock()
			start := time.Now()
			res, runErr := runNodeClient(t, node, ts.URL, plan)
			bigMessageMu.Unlock()
			t.Logf("%d messages (%d bytes) in %v; extensions %q", len(plan.Messages), total, time.Since(start).Round(time.Millisecond), res.Extensions)

			if runErr != nil || res.Echoed != len(plan.Messages) || len(res.Errors) > 0 || !res.Clean || res.Code == nil || *res.Code != CloseNormal {
				t.Fatalf("ws client: exit %v, result %+v", runErr, res)
			}
			if !strings.HasPrefix(res.Extensions, tc.wantExt) || (tc.wantExt == "") != (res.Extensions == "") {
				t.Fatalf("negotiated extensions %q, want %q", res.Extensions, tc.wantExt)
			}
			if ci := ts.nextClose(t); !ci.wasClean || ci.code != CloseNormal || ci.reason != "done" {
				t.Fatalf("server OnClose %+v, want a clean 1000 \"done\"", ci)
			}
			st := ts.Stats()
			wireIn, wireOut := ts.WireBytes()
			if st.MessagesIn != uint64(len(plan.Messages)) || st.MessagesOut != st.MessagesIn || st.BytesIn != total || st.BytesOut != total {
				t.Fatalf("server stats %+v, want %d messages and %d bytes each way", st, len(plan.Messages), total)
			}
			// Compressed connections carry fewer bytes: the text compresses.
			if compressed := tc.wantExt != ""; compressed != (wireIn < total) || compressed != (wireOut < total) {
				t.Fatalf("wire bytes in %d, out %d of %d (compressed %v)", wireIn, wireOut, total, compressed)
			}
		})
	}
}

// nodeEchoServer is a running interop/ws_echo_server.js.
type nodeEchoServer struct {
	URL    string
	events chan string // "OPEN <extensions>" and "CLOSE <code> <reason>" lines
	stderr *stderrBuffer
}

// startNodeEchoServer runs interop/ws_echo_server.js on a free loopback port.
// At cleanup its stdin is closed, which makes it exit; if it has not within
// 5 s it is killed by its PID.
func startNodeEchoServer(t *testing.T, node string, args ...string) *nodeEchoServer {
	t.Helper()
	cmd := exec.Command(node, append([]string{nodeScript(t, "ws_echo_server.js")}, args...)...)
	s := &nodeEchoServer{events: make(chan string, 256)}
	s.URL, s.stderr = startChildServer(t, "ws echo server", cmd, s.events, 5*time.Second)
	return s
}

// nextEvent waits for the server's next OPEN or CLOSE line.
func (s *nodeEchoServer) nextEvent(t *testing.T) string {
	t.Helper()
	select {
	case e := <-s.events:
		return e
	case <-time.After(10 * time.Second):
		t.Fatalf("ws echo server reported nothing within 10s; stderr: %s", s.stderr)
	}
	return ""
}

// TestClientInteropNodeWS: our client against Node's ws echo server, with and
// without compression offers: text and binary from 0 B to 16 MiB come back
// byte for byte, and the close is clean both ways.
func TestClientInteropNodeWS(t *testing.T) {
	node := wstest.NeedNodeWS(t, nodeInteropDir)
	plain, deflate := []string(nil), []string{"--deflate"}
	for _, tc := range []struct {
		name    string
		srvArgs []string // ws_echo_server.js arguments
		offers  []DeflateOffer
		wantExt bool
		big     bool // send the 16 MiB message too
	}{
		{"plain", plain, nil, false, true},
		{"deflate", deflate, browserLikeOffer, true, true},
		{"deflate-no-takeover", deflate, []DeflateOffer{{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 10, ClientMaxWindowBits: 11}}, true, false},
		{"deflate-default-offer", deflate, []DeflateOffer{{}}, true, false},
		{"offer-refused", plain, browserLikeOffer, false, false},
		{"no-offer", deflate, nil, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			srv := startNodeEchoServer(t, node, tc.srvArgs...)
			p := newRecClient()
			c := dialT(t, srv.URL, p, &ClientOptions{PerMessageCompressionOffers: tc.offers})
			<-p.opened
			open := srv.nextEvent(t)
			serverExt, ok := strings.CutPrefix(open, "OPEN ")
			if !ok {
				t.Fatalf("ws echo server said %q, want OPEN", open)
			}
			if got := c.Extensions() != ""; got != tc.wantExt || (c.deflate != nil) != tc.wantExt ||
				(tc.wantExt && !strings.HasPrefix(c.Extensions(), "permessage-deflate")) {
				t.Fatalf("extensions %q (compression %v), want compression %v", c.Extensions(), c.deflate != nil, tc.wantExt)
			}
			if strings.TrimSpace(serverExt) != c.Extensions() {
				t.Fatalf("ws echo server negotiated %q, our client %q", serverExt, c.Extensions())
			}
			seed := uint64(0)
			for _, binary := range []bool{false, true} {
				for _, n := range nodeInteropSizes {
					seed++
					roundTripMsg(t, c, p, interopPayload(n, binary, seed), binary)
				}
			}
			if tc.big {
				bigMessageMu.Lock()
				roundTripMsg(t, c, p, interopPayload(bigMessage, false, 99), false)
				bigMessageMu.Unlock()
			}
			if err := c.SendClose(CloseNormal, "done"); err != nil {
				t.Fatal(err)
			}
			if ci := p.nextClose(t, 10*time.Second); !ci.wasClean || ci.code != CloseNormal || ci.reason != "done" {
				t.Fatalf("client OnClose %+v, want a clean 1000 \"done\" (ws echoes the close)", ci)
			}
			if ev := srv.nextEvent(t); ev != "CLOSE 1000 done" {
				t.Fatalf("ws echo server reported %q, want \"CLOSE 1000 done\"", ev)
			}
			t.Logf("extensions %q; %v", c.Extensions(), time.Since(start).Round(time.Millisecond))
		})
	}
}
