package wscore

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	coder "github.com/coder/websocket"
	"github.com/gorilla/websocket"

	"github.com/wsplug/wsplug/internal/wstest"
)

// interopSizes are the message sizes every peer exchanges with our server:
// each length class of the frame header, then large messages. The 16 MiB
// message goes once per peer, and peers never run in parallel with it.
var interopSizes = []int{0, 1, 125, 126, 127, 65535, 65536, 1 << 20, 16 << 20}

var bigMessageMu sync.Mutex

// interopPayload makes a message: random bytes, or valid UTF-8 text.
func interopPayload(n int, binary bool, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 99))
	if binary {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		return b
	}
	const alphabet = "wsplug κόσμε 🌍 interop "
	var b bytes.Buffer
	for b.Len() < n {
		b.WriteString(alphabet)
	}
	p := b.Bytes()[:n]
	for len(p) > 0 && !validUTF8Prefix(string(p)) {
		p[len(p)-1] = 'x'
	}
	return p
}

func TestInteropGorillaClient(t *testing.T) {
	ts := startServer(t, Options{})
	c, resp, err := websocket.DefaultDialer.Dial(ts.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if resp.Header.Get("Sec-WebSocket-Accept") == "" {
		t.Fatal("no accept header")
	}
	bigMessageMu.Lock()
	defer bigMessageMu.Unlock()
	for i, n := range interopSizes {
		for _, binary := range []bool{false, true} {
			if n == 16<<20 && !binary {
				continue // one 16 MiB round trip per peer
			}
			msg := interopPayload(n, binary, uint64(i))
			typ := websocket.TextMessage
			if binary {
				typ = websocket.BinaryMessage
			}
			c.SetWriteDeadline(time.Now().Add(30 * time.Second))
			if err := c.WriteMessage(typ, msg); err != nil {
				t.Fatalf("size %d: write: %v", n, err)
			}
			c.SetReadDeadline(time.Now().Add(30 * time.Second))
			gotTyp, got, err := c.ReadMessage()
			if err != nil {
				t.Fatalf("size %d: read: %v", n, err)
			}
			if gotTyp != typ || !bytes.Equal(got, msg) {
				t.Fatalf("size %d binary %v: echo differs (type %d, %d bytes)", n, binary, gotTyp, len(got))
			}
		}
	}
	c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(1000, "bye"))
	if _, _, err := c.ReadMessage(); !websocket.IsCloseError(err, 1000) {
		t.Fatalf("close: %v", err)
	}
	if ci := ts.nextClose(t); !ci.wasClean || ci.code != 1000 || ci.reason != "bye" {
		t.Fatalf("OnClose %+v", ci)
	}
}

func TestInteropCoderClient(t *testing.T) {
	ts := startServer(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, _, err := coder.Dial(ctx, ts.URL, &coder.DialOptions{CompressionMode: coder.CompressionDisabled})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	c.SetReadLimit(32 << 20)
	bigMessageMu.Lock()
	defer bigMessageMu.Unlock()
	for i, n := range interopSizes {
		for _, binary := range []bool{false, true} {
			if n == 16<<20 && binary {
				continue
			}
			msg := interopPayload(n, binary, uint64(i))
			typ := coder.MessageText
			if binary {
				typ = coder.MessageBinary
			}
			if err := c.Write(ctx, typ, msg); err != nil {
				t.Fatalf("size %d: write: %v", n, err)
			}
			gotTyp, got, err := c.Read(ctx)
			if err != nil {
				t.Fatalf("size %d: read: %v", n, err)
			}
			if gotTyp != typ || !bytes.Equal(got, msg) {
				t.Fatalf("size %d binary %v: echo differs", n, binary)
			}
		}
	}
	if err := c.Close(coder.StatusNormalClosure, "done"); err != nil {
		t.Fatalf("close: %v", err)
	}
	if ci := ts.nextClose(t); !ci.wasClean || ci.code != 1000 || ci.reason != "done" {
		t.Fatalf("OnClose %+v", ci)
	}
}

// autobahnPlan is the JSON plan interop/autobahn_client.py executes.
type autobahnPlan struct {
	Messages []autobahnMsg `json:"messages"`
	Deflate  any           `json:"deflate"`
	Timeout  int           `json:"timeout"`
}

type autobahnMsg struct {
	Size   int  `json:"size"`
	Binary bool `json:"binary"`
}

type autobahnResult struct {
	Echoed     int      `json:"echoed"`
	Errors     []string `json:"errors"`
	Clean      bool     `json:"clean"`
	Code       *int     `json:"code"`
	Extensions string   `json:"extensions"`
}

// runAutobahnClient runs Debian's Autobahn|Python client against url.
func runAutobahnClient(t *testing.T, url string, plan autobahnPlan) autobahnResult {
	t.Helper()
	wstest.NeedAutobahnPython(t)
	script, err := filepath.Abs("../interop/autobahn_client.py")
	if err != nil {
		t.Fatal(err)
	}
	planJSON, _ := json.Marshal(plan)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, wstest.DebianPython, script, url, string(planJSON))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil && len(out) == 0 {
		t.Fatalf("autobahn client: %v\n%s", err, stderr.String())
	}
	var res autobahnResult
	if err := json.Unmarshal(bytes.TrimSpace(out), &res); err != nil {
		t.Fatalf("autobahn client output %q: %v\n%s", out, err, stderr.String())
	}
	return res
}

func TestInteropAutobahnPythonClient(t *testing.T) {
	ts := startServer(t, Options{})
	plan := autobahnPlan{Timeout: 100}
	for _, n := range interopSizes {
		for _, binary := range []bool{false, true} {
			if n == 16<<20 && !binary {
				continue
			}
			plan.Messages = append(plan.Messages, autobahnMsg{Size: n, Binary: binary})
		}
	}
	bigMessageMu.Lock()
	res := runAutobahnClient(t, ts.URL, plan)
	bigMessageMu.Unlock()
	if res.Echoed != len(plan.Messages) || len(res.Errors) > 0 || !res.Clean || res.Code == nil || *res.Code != 1000 {
		t.Fatalf("autobahn client result %+v", res)
	}
	if ci := ts.nextClose(t); !ci.wasClean || ci.code != 1000 {
		t.Fatalf("OnClose %+v", ci)
	}
}
