package adaptertest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
	"github.com/wsplug/wsplug/wscore"
)

// RunHostile runs the hostile-peer scenarios of issue 9 against setup, each
// as a subtest with a server of its own: floods beyond MaxConnections,
// handshake bursts, ping floods, tiny fragments, huge frame headers,
// compression bombs, slow handshakes, peers that stop reading, cross-site
// WebSocket hijacking and header injection.
//
// setup.Start must serve its HTTP server the way README's "Security and
// limits" tells users to: with the request head bounded by the first
// route's OpenHandshakeTimeout (wshttp.NewHTTPServer for net/http, gin and
// echo; fiber.Config{ReadTimeout} for fiber). SlowHandshake checks exactly
// that.
//
// The scenarios count file descriptors and goroutines of the whole process,
// so RunHostile must not run in parallel with other tests.
func RunHostile(t *testing.T, setup Setup) {
	for _, sc := range []struct {
		name string
		run  func(*testing.T, Setup)
	}{
		{"MaxConnectionsBurst", testMaxConnectionsBurst},
		{"HandshakeBurst", testHandshakeBurst},
		{"PingFlood", testPingFlood},
		{"TinyFragments", testTinyFragments},
		{"HugeFrameHeader", testHugeFrameHeader},
		{"CompressedBomb", testCompressedBomb},
		{"SlowHandshake", testSlowHandshake},
		{"SlowReader", testSlowReader},
		{"CrossSiteHijacking", testCrossSiteHijacking},
		{"HeaderInjection", testHeaderInjection},
		{"AcceptInjection", testAcceptInjection},
	} {
		t.Run(sc.name, func(t *testing.T) { sc.run(t, setup) })
	}
}

// hooks is what the hostile scenarios' protocol reports and obeys.
type hooks struct {
	connects atomic.Int64
	// accept, when set, is OnConnect's answer for a request path.
	accept func(path string) wscore.Accept
	// onOpen, when set, runs in OnOpen (on the connection's goroutine).
	onOpen func(c *wscore.Conn)
	opened chan *wscore.Conn
	closed chan closeEvent
}

type closeEvent struct {
	wasClean  bool
	code      int
	reason    string
	localCode int // the close frame the server sent, 0 when none
}

func newHooks() *hooks {
	return &hooks{opened: make(chan *wscore.Conn, 1024), closed: make(chan closeEvent, 1024)}
}

type hostileProbe struct {
	wscore.BaseServerProtocol
	h *hooks
}

func (p *hostileProbe) OnConnect(r *wscore.ConnectionRequest) (wscore.Accept, error) {
	p.h.connects.Add(1)
	if p.h.accept != nil {
		return p.h.accept(r.Path), nil
	}
	return wscore.Accept{}, nil
}

func (p *hostileProbe) OnOpen(c *wscore.Conn) {
	select {
	case p.h.opened <- c:
	default:
	}
	if p.h.onOpen != nil {
		p.h.onOpen(c)
	}
}

func (p *hostileProbe) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	c.SendMessage(payload, isBinary)
}

func (p *hostileProbe) OnClose(c *wscore.Conn, wasClean bool, code int, reason string) {
	lc, _, sent := c.LocalClose()
	if !sent {
		lc = 0
	}
	select {
	case p.h.closed <- closeEvent{wasClean, code, reason, lc}:
	default:
	}
}

// probe is the hostile protocol's factory, for startWith.
func (h *hooks) probe() wscore.ServerProtocol { return &hostileProbe{h: h} }

func (h *hooks) nextClose(t *testing.T, timeout time.Duration) closeEvent {
	t.Helper()
	select {
	case ev := <-h.closed:
		return ev
	case <-time.After(timeout):
		t.Fatalf("OnClose did not run within %v", timeout)
		return closeEvent{}
	}
}

func (h *hooks) nextOpen(t *testing.T) *wscore.Conn {
	t.Helper()
	select {
	case c := <-h.opened:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("OnOpen did not run within 5s")
		return nil
	}
}

// mustDialRaw dials s with hs and fails t unless the answer is 101. The
// client is closed when the test ends.
func mustDialRaw(t *testing.T, s *server, hs wstest.Handshake) *wstest.RawClient {
	t.Helper()
	c, resp, err := wstest.Dial(s.addr, hs)
	if err != nil {
		t.Fatalf("dial %s: %v", hs.Path, err)
	}
	t.Cleanup(func() { c.Close() })
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("dial %s: %d %q, want 101", hs.Path, resp.StatusCode, bodyOf(resp))
	}
	return c
}

// warm opens and closes one connection, so the server, the framework's pools
// and the runtime's poller exist before a baseline is taken. Once the engine
// has reported it closed, h starts over: no connect counted, nothing opened
// or closed pending.
func warm(t *testing.T, s *server, h *hooks, path string) {
	t.Helper()
	mustDialRaw(t, s, wstest.Handshake{Path: path}).Close()
	h.nextClose(t, 5*time.Second)
	WaitOpen(t, s.engines[path], 0, 5*time.Second)
	h.connects.Store(0)
	for len(h.opened) > 0 {
		<-h.opened
	}
}

// testMaxConnectionsBurst dials 200 times at once against MaxConnections 10:
// exactly 10 get 101, the other 190 get 503, and once the 10 are closed no
// descriptor or goroutine is left.
func testMaxConnectionsBurst(t *testing.T, setup Setup) {
	h := newHooks()
	s := startWith(t, setup, h.probe, Route{Path: "/cap", Options: wscore.Options{MaxConnections: 10}})
	warm(t, s, h, "/cap")
	fds := wstest.OpenFDs()

	const n, capacity = 200, 10
	var (
		wg       sync.WaitGroup
		go1      = make(chan struct{})
		mu       sync.Mutex
		statuses = map[int]int{}
		bad      []string
		open     []*wstest.RawClient
	)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-go1
			c, resp, err := wstest.Dial(s.addr, wstest.Handshake{Path: "/cap"})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				bad = append(bad, err.Error())
				return
			}
			statuses[resp.StatusCode]++
			if resp.StatusCode == http.StatusSwitchingProtocols {
				open = append(open, c) // held: it keeps its slot
				return
			}
			if body := bodyOf(resp); resp.StatusCode == http.StatusServiceUnavailable && !strings.Contains(body, "too many connections") {
				bad = append(bad, fmt.Sprintf("503 body %q", body))
			}
			c.Close()
		}()
	}
	close(go1)
	wg.Wait()
	if len(bad) > 0 {
		t.Errorf("%d dials went wrong, first: %s", len(bad), bad[0])
	}
	if statuses[101] != capacity || statuses[503] != n-capacity {
		t.Errorf("statuses %v, want exactly %d × 101 and %d × 503", statuses, capacity, n-capacity)
	}
	st := s.engines["/cap"].Stats()
	if st.Refused[wscore.RefusedCapacity] != n-capacity || h.connects.Load() != capacity {
		t.Errorf("refused %v, OnConnect %d times; want %d capacity refusals and %d OnConnect", st.Refused, h.connects.Load(), n-capacity, capacity)
	}
	for _, c := range open {
		if err := c.Echo("still served", 5*time.Second); err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	WaitOpen(t, s.engines["/cap"], 0, 5*time.Second)
	wstest.WaitFDs(t, fds, 2, 5*time.Second)
}

// testHandshakeBurst runs 500 handshakes as fast as 50 clients can: every
// one answered with 101, every connection reported closed, nothing left.
func testHandshakeBurst(t *testing.T, setup Setup) {
	h := newHooks()
	s := startWith(t, setup, h.probe, Route{Path: "/burst"})
	warm(t, s, h, "/burst")
	accepted0 := s.engines["/burst"].Stats().Accepted
	fds := wstest.OpenFDs()

	const n, workers = 500, 50
	var next, failures atomic.Int64
	var first atomic.Value
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= n {
				c, resp, err := wstest.Dial(s.addr, wstest.Handshake{Path: "/burst"})
				if err == nil && resp.StatusCode != http.StatusSwitchingProtocols {
					err = fmt.Errorf("status %d", resp.StatusCode)
				}
				if err != nil {
					failures.Add(1)
					first.CompareAndSwap(nil, err.Error())
					if c != nil {
						c.Close()
					}
					continue
				}
				c.Close()
			}
		}()
	}
	wg.Wait()
	if f := failures.Load(); f > 0 {
		t.Errorf("%d of %d handshakes failed, first: %v", f, n, first.Load())
	}
	for i := 0; i < n; i++ {
		h.nextClose(t, 10*time.Second)
	}
	WaitOpen(t, s.engines["/burst"], 0, 5*time.Second)
	if got := s.engines["/burst"].Stats().Accepted - accepted0; got != n || h.connects.Load() != n {
		t.Errorf("accepted %d, OnConnect %d, want %d each", got, h.connects.Load(), n)
	}
	wstest.WaitFDs(t, fds, 2, 5*time.Second)
}

// heapWatch samples the heap from now on; done returns how far its peak rose
// above where it was at the start.
func heapWatch() (done func() uint64) {
	base := wstest.Snapshot().Heap
	stop := make(chan struct{})
	peak := wstest.HeapPeak(2*time.Millisecond, stop)
	return func() uint64 {
		close(stop)
		p := <-peak
		if p < base {
			return 0
		}
		return p - base
	}
}

const mib = 1 << 20

// testPingFlood floods pings from a peer that never reads. Pongs are
// written in order before the next frame is read, so once the socket
// buffers are full the server's pong write times out (WriteTimeout) and the
// connection is dropped; nothing queues up in the server's memory.
func testPingFlood(t *testing.T, setup Setup) {
	h := newHooks()
	s := startWith(t, setup, h.probe, Route{Path: "/ping", Options: wscore.Options{WriteTimeout: 300 * time.Millisecond}})
	c := mustDialRaw(t, s, wstest.Handshake{Path: "/ping"})
	var batch []byte
	for len(batch) < 64<<10 {
		batch = append(batch, c.EncodeFrame(wstest.Ping(bytes.Repeat([]byte{'p'}, 125)))...)
	}
	growth := heapWatch()
	var sent int
	start := time.Now()
	var werr error
	for sent < 256*mib && time.Since(start) < 30*time.Second {
		c.Conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		n, err := c.Conn.Write(batch)
		sent += n
		if err != nil {
			werr = err
			break
		}
	}
	g := growth()
	t.Logf("%.1f MiB of pings in %v, then %v; heap grew by %.1f MiB", float64(sent)/mib, time.Since(start).Round(time.Millisecond), werr, float64(g)/mib)
	if werr == nil {
		t.Errorf("the server kept reading %d MiB of pings from a peer that reads no pong", sent/mib)
	} else if ne, ok := werr.(net.Error); ok && ne.Timeout() {
		t.Errorf("the server neither read on nor dropped the connection: %v", werr)
	}
	if ev := h.nextClose(t, 5*time.Second); ev.wasClean || ev.code != wscore.CloseAbnormal {
		t.Errorf("OnClose %+v, want 1006", ev)
	}
	if g > 8*mib {
		t.Errorf("heap grew by %.1f MiB during the flood", float64(g)/mib)
	}
	WaitOpen(t, s.engines["/ping"], 0, 5*time.Second)
}

// fragments encodes a message of count continuation frames of size bytes
// after a first frame of size bytes; fin ends it.
func fragments(c *wstest.RawClient, count, size int, fin bool) []byte {
	var b []byte
	p := bytes.Repeat([]byte{'f'}, size)
	b = append(b, c.EncodeFrame(wstest.Frame{Op: wstest.OpBinary, Payload: p})...)
	for i := 0; i < count; i++ {
		b = append(b, c.EncodeFrame(wstest.Frame{Fin: fin && i == count-1, Op: wstest.OpContinuation, Payload: p})...)
	}
	return b
}

// testTinyFragments sends 100,000 one-byte and zero-byte continuation
// frames. Under a small MaxMessagePayloadSize the one-byte ones end in 1009
// as soon as the limit is passed (zero-byte frames add nothing to a message,
// so they alone never reach a limit); under the default limit the message is
// assembled and echoed with memory bounded by its size.
func testTinyFragments(t *testing.T, setup Setup) {
	h := newHooks()
	s := startWith(t, setup, h.probe,
		Route{Path: "/small", Options: wscore.Options{MaxMessagePayloadSize: 1000}},
		Route{Path: "/default"},
	)
	const count = 100_000
	for _, tc := range []struct {
		name    string
		payload func(c *wstest.RawClient) []byte
	}{
		{"one-byte", func(c *wstest.RawClient) []byte { return fragments(c, count, 1, false) }},
		{"zero-byte then one-byte", func(c *wstest.RawClient) []byte {
			b := fragments(c, count, 0, false)
			for i := 0; i < 1001; i++ {
				b = append(b, c.EncodeFrame(wstest.Frame{Op: wstest.OpContinuation, Payload: []byte{'f'}})...)
			}
			return b
		}},
	} {
		t.Run("small limit/"+tc.name, func(t *testing.T) {
			c := mustDialRaw(t, s, wstest.Handshake{Path: "/small"})
			b := tc.payload(c)
			wrote := make(chan error, 1)
			go func() { _, err := c.Conn.Write(b); wrote <- err }()
			f, err := c.ReadUntilClose(10 * time.Second)
			if err != nil {
				t.Fatalf("no close frame: %v", err)
			}
			if code, _ := wstest.CloseCode(f.Payload); code != wscore.CloseMessageTooBig {
				t.Fatalf("close code %d, want 1009", code)
			}
			<-wrote // the server discards the rest until our close answers its own
			c.WriteFrame(wstest.CloseFrame(1000, ""))
			if _, err := c.WaitClosed(5 * time.Second); err != nil {
				t.Errorf("server kept TCP open: %v", err)
			}
			c.Close()
			if ev := h.nextClose(t, 5*time.Second); ev.localCode != wscore.CloseMessageTooBig {
				t.Errorf("OnClose %+v, want LocalClose 1009", ev)
			}
		})
	}
	for _, tc := range []struct {
		name string
		size int
	}{{"one-byte", 1}, {"zero-byte", 0}} {
		t.Run("default limit/"+tc.name, func(t *testing.T) {
			c := mustDialRaw(t, s, wstest.Handshake{Path: "/default"})
			b := fragments(c, count, tc.size, true)
			growth := heapWatch()
			wrote := make(chan error, 1)
			go func() { _, err := c.Conn.Write(b); wrote <- err }()
			op, got, _, err := c.ReadMessage(30 * time.Second)
			g := growth()
			if err := <-wrote; err != nil {
				t.Fatalf("write: %v", err)
			}
			if want := (count + 1) * tc.size; err != nil || op != wstest.OpBinary || len(got) != want {
				t.Fatalf("echo: op %d, %d bytes, %v; want %d bytes", op, len(got), err, want)
			}
			if g > 8*mib {
				t.Errorf("heap grew by %.1f MiB for a %d-byte message in %d frames", float64(g)/mib, len(got), count+1)
			}
			if err := c.CloseHandshake(1000, 5*time.Second); err != nil {
				t.Fatal(err)
			}
			h.nextClose(t, 5*time.Second)
		})
	}
}

// testHugeFrameHeader announces a 1 TiB frame with MaxMessagePayloadSize
// Unlimited and then trickles bytes: memory follows what arrives, not what
// was announced, and the connection can still be closed.
func testHugeFrameHeader(t *testing.T, setup Setup) {
	h := newHooks()
	s := startWith(t, setup, h.probe, Route{Path: "/huge", Options: wscore.Options{MaxMessagePayloadSize: wscore.Unlimited}})
	c := mustDialRaw(t, s, wstest.Handshake{Path: "/huge"})
	conn := h.nextOpen(t)
	alloc0 := wstest.TotalAlloc()
	hdr := []byte{0x82, 0x80 | 127}
	hdr = binary.BigEndian.AppendUint64(hdr, 1<<40)
	hdr = append(hdr, 1, 2, 3, 4)
	if _, err := c.Conn.Write(hdr); err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte{0xAB}, 4096)
	var sent int
	for start := time.Now(); time.Since(start) < 1500*time.Millisecond; time.Sleep(2 * time.Millisecond) {
		n, err := c.Conn.Write(chunk)
		sent += n
		if err != nil {
			t.Fatalf("the server dropped the connection after %d bytes: %v", sent, err)
		}
	}
	time.Sleep(50 * time.Millisecond) // let the server take in what was sent
	alloc := wstest.TotalAlloc() - alloc0
	t.Logf("%.1f MiB trickled into a 1 TiB frame: %.1f MiB allocated meanwhile", float64(sent)/mib, float64(alloc)/mib)
	if alloc > 64*mib {
		t.Errorf("%.1f MiB allocated for %.1f MiB received of a 1 TiB frame", float64(alloc)/mib, float64(sent)/mib)
	}
	// The reader is inside the frame's payload; the connection still closes.
	start := time.Now()
	conn.Close()
	if _, err := c.WaitClosed(2 * time.Second); err != nil {
		t.Errorf("Conn.Close did not end the connection: %v", err)
	}
	if ev := h.nextClose(t, 5*time.Second); ev.wasClean || ev.code != wscore.CloseAbnormal {
		t.Errorf("OnClose %+v, want 1006", ev)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("closing took %v", d)
	}
	WaitOpen(t, s.engines["/huge"], 0, 5*time.Second)
}

// testCompressedBomb sends 8 MiB of zeros deflated to a few KiB against a
// 1 MiB limit: 1009 while inflating, without inflating (or allocating) the
// rest.
func testCompressedBomb(t *testing.T, setup Setup) {
	h := newHooks()
	s := startWith(t, setup, h.probe, Route{Path: "/bomb", Options: wscore.Options{
		PerMessageCompressionAccept: wscore.DefaultDeflateAccept,
		MaxMessagePayloadSize:       1 * mib,
	}})
	c, err := wstest.DialDeflatePath(s.addr, "/bomb", "permessage-deflate")
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if c.Resp.StatusCode != http.StatusSwitchingProtocols || !strings.HasPrefix(c.Extensions, "permessage-deflate") {
		t.Fatalf("compression not negotiated: %d %q", c.Resp.StatusCode, c.Extensions)
	}
	bomb := c.Compress(make([]byte, 8*mib))
	alloc0 := wstest.TotalAlloc()
	if err := c.SendFrames(wstest.OpBinary, 4, bomb, 0); err != nil { // one frame, RSV1: compressed
		t.Fatal(err)
	}
	f, err := c.ReadUntilClose(10 * time.Second)
	alloc := wstest.TotalAlloc() - alloc0
	if err != nil {
		t.Fatalf("no close frame: %v", err)
	}
	if code, _ := wstest.CloseCode(f.Payload); code != wscore.CloseMessageTooBig {
		t.Errorf("close code %d, want 1009", code)
	}
	t.Logf("%d compressed bytes of 8 MiB: %.1f MiB allocated", len(bomb), float64(alloc)/mib)
	if alloc > 8*mib {
		t.Errorf("%.1f MiB allocated for a message refused at 1 MiB", float64(alloc)/mib)
	}
	c.WriteFrame(wstest.CloseFrame(1000, ""))
	c.WaitClosed(5 * time.Second)
	c.Close()
	if ev := h.nextClose(t, 5*time.Second); ev.localCode != wscore.CloseMessageTooBig {
		t.Errorf("OnClose %+v, want LocalClose 1009", ev)
	}
}

// slowHandshakeTimeout is the OpenHandshakeTimeout of testSlowHandshake.
const slowHandshakeTimeout = 1500 * time.Millisecond

// testSlowHandshake sends a handshake one byte per second: the HTTP server
// (configured as README says) cuts it at OpenHandshakeTimeout, before the
// engine sees it.
func testSlowHandshake(t *testing.T, setup Setup) {
	h := newHooks()
	s := startWith(t, setup, h.probe, Route{Path: "/slow", Options: wscore.Options{OpenHandshakeTimeout: slowHandshakeTimeout}})
	conn, err := net.DialTimeout("tcp", s.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := wstest.Handshake{Path: "/slow"}.Request(s.addr)
	start := time.Now()
	stop := make(chan struct{})
	writer := make(chan struct{})
	go func() {
		defer close(writer)
		for i := 0; i < len(req); i++ {
			if _, err := conn.Write([]byte{req[i]}); err != nil {
				return
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Second):
			}
		}
	}()
	conn.SetReadDeadline(time.Now().Add(slowHandshakeTimeout + 5*time.Second))
	answer, err := io.ReadAll(conn)
	cut := time.Since(start)
	close(stop)
	<-writer
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the slow client was not cut within %v", cut)
	}
	if cut < slowHandshakeTimeout-200*time.Millisecond || cut > slowHandshakeTimeout+1500*time.Millisecond {
		t.Errorf("cut after %v, want about OpenHandshakeTimeout (%v)", cut, slowHandshakeTimeout)
	}
	if bytes.HasPrefix(answer, []byte("HTTP/1.1 101")) {
		t.Errorf("the slow client was upgraded: %q", answer)
	}
	if n := h.connects.Load(); n != 0 {
		t.Errorf("OnConnect ran %d times", n)
	}
	if st := s.engines["/slow"].Stats(); st.Accepted != 0 {
		t.Errorf("accepted %d", st.Accepted)
	}
	t.Logf("cut after %v with %q", cut.Round(time.Millisecond), answer)
}

// testSlowReader writes to a peer that stopped reading: once the socket
// buffers are full, SendMessage returns an error wrapping ErrWriteTimeout
// after WriteTimeout, the next one fails too, OnClose reports 1006, and the
// server holds no more than the message it was writing.
func testSlowReader(t *testing.T, setup Setup) {
	h := newHooks()
	type result struct {
		sent        int
		first, next error
	}
	results := make(chan result, 1)
	payload := bytes.Repeat([]byte{'w'}, 256<<10)
	h.onOpen = func(c *wscore.Conn) {
		go func() {
			var r result
			for r.sent < 1024 { // 256 MiB at most
				if err := c.SendMessage(payload, true); err != nil {
					r.first = err
					r.next = c.SendMessage([]byte("after"), false)
					break
				}
				r.sent++
			}
			results <- r
		}()
	}
	s := startWith(t, setup, h.probe, Route{Path: "/stuck", Options: wscore.Options{WriteTimeout: 300 * time.Millisecond}})
	growth := heapWatch()
	mustDialRaw(t, s, wstest.Handshake{Path: "/stuck"}) // never read
	var r result
	select {
	case r = <-results:
	case <-time.After(30 * time.Second):
		t.Fatal("SendMessage to a peer that does not read neither failed nor finished in 30s")
	}
	g := growth()
	t.Logf("%d messages of 256 KiB written before %v; then %v; heap grew by %.1f MiB", r.sent, r.first, r.next, float64(g)/mib)
	if !errors.Is(r.first, wscore.ErrWriteTimeout) {
		t.Errorf("SendMessage: %v, want an error wrapping ErrWriteTimeout", r.first)
	}
	if !errors.Is(r.next, wscore.ErrWriteTimeout) {
		t.Errorf("the next SendMessage: %v, want ErrWriteTimeout again (README: so does every later send)", r.next)
	}
	if ev := h.nextClose(t, 5*time.Second); ev.wasClean || ev.code != wscore.CloseAbnormal {
		t.Errorf("OnClose %+v, want 1006", ev)
	}
	if g > 8*mib {
		t.Errorf("heap grew by %.1f MiB writing to a stuck peer", float64(g)/mib)
	}
	WaitOpen(t, s.engines["/stuck"], 0, 5*time.Second)
}

// testCrossSiteHijacking: a page on another origin makes the browser send
// the user's cookies with its handshake. By default such a request is
// refused with 403 before OnConnect could act on the cookie.
func testCrossSiteHijacking(t *testing.T, setup Setup) {
	h := newHooks()
	s := startWith(t, setup, h.probe, Route{Path: "/app"})
	withCookie := func(hdr http.Header) http.Header {
		hdr = hdr.Clone()
		hdr.Set("Cookie", "session=0123456789abcdef")
		return hdr
	}
	for _, tc := range []struct {
		name   string
		header http.Header
	}{
		{"foreign origin", http.Header{"Origin": {"https://evil.example"}}},
		{"foreign origin, same host name on another port", http.Header{"Origin": {"http://127.0.0.1:1"}}},
		{"null origin", http.Header{"Origin": {"null"}}},
		{"hybi-08 foreign origin", http.Header{"Sec-WebSocket-Version": {"8"}, "Sec-WebSocket-Origin": {"https://evil.example"}}},
	} {
		resp := rawHandshake(t, s.addr, wstest.Handshake{Path: "/app", Header: withCookie(tc.header)})
		if body := bodyOf(resp); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "origin") {
			t.Errorf("%s with a cookie: %d %q, want 403", tc.name, resp.StatusCode, body)
		}
	}
	if n := h.connects.Load(); n != 0 {
		t.Errorf("OnConnect ran %d times for cross-site requests", n)
	}
	// The same cookie from the page's own origin is served.
	resp := rawHandshake(t, s.addr, wstest.Handshake{Path: "/app", Header: withCookie(http.Header{"Origin": {s.base}})})
	if resp.StatusCode != http.StatusSwitchingProtocols || h.connects.Load() != 1 {
		t.Errorf("same-origin request with a cookie: %d, OnConnect %d times", resp.StatusCode, h.connects.Load())
	}
	if st := s.engines["/app"].Stats(); st.Refused[wscore.RefusedOrigin] != 4 {
		t.Errorf("refused %v, want 4 for the origin", st.Refused)
	}
}

// testHeaderInjection offers a subprotocol or an extension whose value
// carries a CR or a folded line: the request is refused with 400 (by the
// framework or the engine), OnConnect does not run, and nothing of the value
// reaches the response.
func testHeaderInjection(t *testing.T, setup Setup) {
	h := newHooks()
	s := startWith(t, setup, h.probe, Route{Path: "/inj", Options: wscore.Options{
		Subprotocols:                []string{"chat"},
		PerMessageCompressionAccept: wscore.DefaultDeflateAccept,
	}})
	// Each value is written as it is: the CR, or the CRLF and the blank that
	// fold the line, go on the wire inside the header.
	for _, offer := range []http.Header{
		{"Sec-WebSocket-Protocol": {"chat\rX-Injected: yes"}},
		{"Sec-WebSocket-Protocol": {"chat\r\n X-Injected: yes"}},
		{"Sec-WebSocket-Protocol": {"chat\r\n\tX-Injected: yes"}},
		{"Sec-WebSocket-Extensions": {"permessage-deflate\rX-Injected: yes"}},
		{"Sec-WebSocket-Extensions": {"permessage-deflate\r\n X-Injected: yes"}},
		{"Sec-WebSocket-Extensions": {"permessage-deflate; x=\"a\rX-Injected: yes\""}},
	} {
		resp := rawHandshake(t, s.addr, wstest.Handshake{Path: "/inj", Header: offer})
		if body := bodyOf(resp); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%q: %d %q, want 400", offer, resp.StatusCode, body)
		}
		for k := range resp.Header {
			if strings.Contains(strings.ToLower(k), "injected") || strings.Contains(strings.ToLower(strings.Join(resp.Header[k], " ")), "injected") {
				t.Errorf("%q: the response carries %s: %q", offer, k, resp.Header[k])
			}
		}
	}
	if n := h.connects.Load(); n != 0 {
		t.Errorf("OnConnect ran %d times for malformed offers", n)
	}
	// The same offers without the injection are served and answered.
	resp := rawHandshake(t, s.addr, wstest.Handshake{Path: "/inj", Header: http.Header{
		"Sec-WebSocket-Protocol":   {"chat"},
		"Sec-WebSocket-Extensions": {"permessage-deflate"},
	}})
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Protocol") != "chat" || !strings.HasPrefix(resp.Header.Get("Sec-WebSocket-Extensions"), "permessage-deflate") {
		t.Errorf("clean offers: %d %v", resp.StatusCode, resp.Header)
	}
}

// testAcceptInjection: OnConnect answers with a subprotocol or headers that
// hold CR/LF. The engine refuses with 500 and writes none of it.
func testAcceptInjection(t *testing.T, setup Setup) {
	h := newHooks()
	quiet := wscore.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))} // the refusals are logged as errors
	h.accept = func(path string) wscore.Accept {
		switch path {
		case "/sub":
			return wscore.Accept{Subprotocol: "chat\r\nX-Injected: yes"}
		case "/value":
			return wscore.Accept{Header: http.Header{"Set-Cookie": {"a=b\r\nX-Injected: yes"}}}
		case "/name":
			return wscore.Accept{Header: http.Header{"X-Injected: yes\r\nX-A": {"b"}}}
		}
		return wscore.Accept{}
	}
	s := startWith(t, setup, h.probe, Route{Path: "/sub", Options: quiet}, Route{Path: "/value", Options: quiet}, Route{Path: "/name", Options: quiet})
	for _, path := range []string{"/sub", "/value", "/name"} {
		resp := rawHandshake(t, s.addr, wstest.Handshake{Path: path, Header: http.Header{"Sec-WebSocket-Protocol": {"chat"}}})
		if body := bodyOf(resp); resp.StatusCode != http.StatusInternalServerError {
			t.Errorf("%s: %d %q, want 500", path, resp.StatusCode, body)
		}
		if v := resp.Header.Get("X-Injected"); v != "" || resp.Header.Get("Set-Cookie") != "" || resp.Header.Get("Sec-WebSocket-Protocol") != "" {
			t.Errorf("%s: the refusal carries OnConnect's headers: %v", path, resp.Header)
		}
		if st := s.engines[path].Stats(); st.Refused[wscore.RefusedInternal] != 1 || st.Accepted != 0 {
			t.Errorf("%s: stats %+v, want one internal refusal", path, st)
		}
	}
}
