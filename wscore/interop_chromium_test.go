package wscore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
)

// chromiumPath is Debian's chromium.
const chromiumPath = "/usr/bin/chromium"

// chromiumPage opens a WebSocket to /ws on its own origin, echoes compressible
// text, compressible binary and random binary messages of many sizes (some
// repeated, so context takeover matters), checks each echo and reports on the
// socket itself as a last text message "RESULT:{json}".
const chromiumPage = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>wsplug deflate</title></head><body><script>
(async () => {
  const result = {ok: true, errors: [], echoed: 0, extensions: ""};
  const words = ["deflate", "window", "takeover", "chromium", "wsplug", "{\"id\":", "\"value\":", "true", "null"];
  function text(n, seed) {
    let s = "", i = seed;
    while (s.length < n) { s += words[(i * 7 + (i >> 3)) % words.length] + " "; i++; }
    return s.slice(0, n);
  }
  function bytesOf(n, seed) {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = ((i / 16) | 0) % 8 + seed % 3;
    return b;
  }
  function random(n) {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i += 65536) crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65536)));
    return b;
  }
  const ws = new WebSocket("ws://" + location.host + "/ws");
  ws.binaryType = "arraybuffer";
  const inbox = [];
  let waiting = null;
  ws.onmessage = (e) => { if (waiting) { const w = waiting; waiting = null; w(e.data); } else inbox.push(e.data); };
  const next = () => inbox.length ? Promise.resolve(inbox.shift()) : new Promise((r) => { waiting = r; });
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
  result.extensions = ws.extensions;
  const sizes = [0, 1, 100, 1000, 5000, 40000, 100000, 1000000];
  for (let i = 0; i < sizes.length; i++) {
    const n = sizes[i];
    const msgs = [text(n, i), text(n, i), bytesOf(n, i), random(n)];
    for (const m of msgs) {
      ws.send(m);
      const got = await next();
      let same;
      if (typeof m === "string") same = got === m;
      else { const g = new Uint8Array(got); same = g.length === m.length && g.every((v, k) => v === m[k]); }
      if (!same) { result.ok = false; result.errors.push("size " + n + " differs"); }
      result.echoed++;
    }
  }
  ws.send("RESULT:" + JSON.stringify(result));
})().catch((e) => { document.title = "error " + e; });
</script></body></html>`

// countingListener counts the bytes that cross its connections: the wire
// size of what the browser and the server exchanged.
type countingListener struct {
	net.Listener
	read, written atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, l: l}, nil
}

type countingConn struct {
	net.Conn
	l *countingListener
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.l.read.Add(int64(n))
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.l.written.Add(int64(n))
	return n, err
}

// reportProtocol echoes messages and hands the page's RESULT message to the
// test, with the offer the browser made.
type reportProtocol struct {
	BaseServerProtocol
	results chan<- chromiumResult
	offer   string
}

type chromiumResult struct {
	OK         bool     `json:"ok"`
	Errors     []string `json:"errors"`
	Echoed     int      `json:"echoed"`
	Extensions string   `json:"extensions"`
	offer      string
	server     string // Conn.Extensions on the server
}

func (p *reportProtocol) OnConnect(req *ConnectionRequest) (Accept, error) {
	p.offer = req.Header.Get("Sec-Websocket-Extensions")
	return Accept{}, nil
}

func (p *reportProtocol) OnMessage(c *Conn, payload []byte, isBinary bool) {
	if !isBinary && bytes.HasPrefix(payload, []byte("RESULT:")) {
		var r chromiumResult
		if err := json.Unmarshal(payload[len("RESULT:"):], &r); err != nil {
			r.Errors = append(r.Errors, "bad result: "+err.Error())
		}
		r.offer, r.server = p.offer, c.Extensions()
		p.results <- r
		return
	}
	c.SendMessage(payload, isBinary)
}

// TestInteropChromiumDeflate has a real headless Chromium open a compressed
// WebSocket to a wscore server (browsers offer "permessage-deflate;
// client_max_window_bits") and round-trip messages, for the default
// acceptance and for small windows in both directions. It checks what the
// page saw negotiated and that the bytes on the wire were compressed.
func TestInteropChromiumDeflate(t *testing.T) {
	wstest.NeedPeer(t, fileExists(chromiumPath), "Chromium ("+chromiumPath+")", "apt-get install -y chromium")
	cases := []struct {
		name   string
		accept DeflateAcceptor
		want   string
	}{
		{"default", DeflateAcceptor{}, "permessage-deflate"},
		{"windows 9 and 10", DeflateAcceptor{ServerMaxWindowBits: 9, ClientMaxWindowBits: 10}, "permessage-deflate; server_max_window_bits=9; client_max_window_bits=10"},
		{"no takeover", DeflateAcceptor{ServerNoContextTakeover: true, ClientNoContextTakeover: true}, "permessage-deflate; server_no_context_takeover; client_no_context_takeover"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			results := make(chan chromiumResult, 1)
			s, err := NewServer(func() ServerProtocol { return &reportProtocol{results: results} },
				Options{PerMessageCompressionAccept: c.accept.Accept})
			if err != nil {
				t.Fatal(err)
			}
			inner, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ln := &countingListener{Listener: inner}
			mux := http.NewServeMux()
			mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				fmt.Fprint(w, chromiumPage)
			})
			mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) { s.Upgrade(w, r) })
			hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { defer wg.Done(); hs.Serve(ln) }()
			t.Cleanup(func() {
				hs.Close()
				wg.Wait()
				ctx, cancel := contextWithTimeout(5 * time.Second)
				defer cancel()
				s.Shutdown(ctx)
			})

			stop := startChromium(t, "http://"+inner.Addr().String()+"/")
			var r chromiumResult
			select {
			case r = <-results:
			case <-time.After(60 * time.Second):
				stop()
				t.Fatal("no result from the page within 60s")
			}
			stop()
			if !r.OK || r.Echoed != 32 || len(r.Errors) > 0 {
				t.Fatalf("page result %+v", r)
			}
			if !strings.Contains(r.offer, "permessage-deflate") || !strings.Contains(r.offer, "client_max_window_bits") {
				t.Fatalf("browser offered %q", r.offer)
			}
			if r.Extensions != c.want || r.server != c.want {
				t.Fatalf("page saw %q, server answered %q, want %q", r.Extensions, r.server, c.want)
			}
			// About 3.5 MB went each way, most of it compressible.
			in, out := ln.read.Load(), ln.written.Load()
			t.Logf("offer %q; wire bytes from the browser %d, to the browser %d", r.offer, in, out)
			if in > 2_500_000 || out > 2_500_000 {
				t.Fatalf("wire bytes in %d, out %d: the messages were not compressed", in, out)
			}
		})
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// startChromium runs headless Chromium on url with a fresh profile and returns
// a func that stops it: SIGTERM to the browser, then SIGKILL to the process
// group it started in (its helpers) if it has not exited within 5 s.
func startChromium(t *testing.T, url string) (stop func()) {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(chromiumPath, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+dir, url)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			pid := cmd.Process.Pid
			syscall.Kill(pid, syscall.SIGTERM)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				syscall.Kill(-pid, syscall.SIGKILL)
				<-done
			}
			// Its helper processes follow it out; any still there after 2 s
			// are killed with the group they inherited from it.
			for i := 0; i < 20 && syscall.Kill(-pid, 0) == nil; i++ {
				time.Sleep(100 * time.Millisecond)
			}
			if syscall.Kill(-pid, 0) == nil {
				syscall.Kill(-pid, syscall.SIGKILL)
			}
			if t.Failed() {
				t.Logf("chromium stderr:\n%s", stderr.String())
			}
		})
	}
	t.Cleanup(stop)
	return stop
}
