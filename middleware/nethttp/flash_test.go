package wshttp_test

import (
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	wshttp "github.com/wsplug/wsplug/middleware/nethttp"
	"github.com/wsplug/wsplug/wscore"
)

type echoProto struct{ wscore.BaseServerProtocol }

func (echoProto) OnMessage(c *wscore.Conn, p []byte, bin bool) { c.SendMessage(p, bin) }

func newEcho() wscore.ServerProtocol { return echoProto{} }

// startFlash serves an echo route at "/" on a listener from wshttp.Listen.
func startFlash(t *testing.T, opts wscore.Options) string {
	t.Helper()
	rt := wshttp.MustHandler(newEcho, opts)
	ln, err := wshttp.Listen("127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := wshttp.NewHTTPServer(rt, opts)
	done := make(chan struct{})
	go func() {
		defer close(done)
		hs.Serve(ln)
	}()
	t.Cleanup(func() {
		hs.Close()
		<-done
		rt.Server().Shutdown(t.Context())
	})
	return ln.Addr().String()
}

func askPolicy(t *testing.T, addr string, chunks ...string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	for _, ch := range chunks {
		io.WriteString(c, ch)
		time.Sleep(10 * time.Millisecond)
	}
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("reading the policy: %v", err)
	}
	return string(b)
}

func TestFlashPolicy(t *testing.T) {
	addr := startFlash(t, wscore.Options{ServeFlashSocketPolicy: true})
	_, port, _ := net.SplitHostPort(addr)
	want := `<allow-access-from domain="*" to-ports="` + port + `" />`

	for name, chunks := range map[string][]string{
		"whole":   {"<policy-file-request/>\x00"},
		"chopped": {"<", "policy-file", "-request/>", "\x00"},
	} {
		got := askPolicy(t, addr, chunks...)
		if !strings.Contains(got, want) || !strings.HasSuffix(got, "</cross-domain-policy>\x00") {
			t.Errorf("%s: policy %q", name, got)
		}
	}

	// The same port still speaks HTTP and WebSocket.
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status page next to the policy: %d", resp.StatusCode)
	}
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.WriteMessage(websocket.TextMessage, []byte("hi"))
	if _, p, err := ws.ReadMessage(); err != nil || string(p) != "hi" {
		t.Fatalf("echo next to the policy: %q %v", p, err)
	}
}

func TestFlashPolicyCustomAndNotFlash(t *testing.T) {
	addr := startFlash(t, wscore.Options{ServeFlashSocketPolicy: true, FlashSocketPolicy: "<cross-domain-policy/>", OpenHandshakeTimeout: 300 * time.Millisecond})
	if got := askPolicy(t, addr, "<policy-file-request/>\x00"); got != "<cross-domain-policy/>\x00" {
		t.Errorf("custom policy: %q", got)
	}
	// Something else that starts with '<' goes to the HTTP server, which
	// refuses it.
	got := askPolicy(t, addr, "<html>\r\n\r\n")
	if !strings.HasPrefix(got, "HTTP/1.1 400") {
		t.Errorf("'<' that is not Flash: %q", got)
	}
	// A client that sends '<' and then nothing is dropped after the timeout.
	start := time.Now()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "<poli")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	io.ReadAll(c)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("half a policy request held the connection for %v", d)
	}
}

func TestFlashPolicySilentClientDoesNotBlockAccept(t *testing.T) {
	addr := startFlash(t, wscore.Options{ServeFlashSocketPolicy: true})
	silent, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	client := &http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get("http://" + addr + "/")
	if err != nil {
		t.Fatalf("a silent client blocked the next one: %v", err)
	}
	resp.Body.Close()
}

func TestNewHTTPServerTimeouts(t *testing.T) {
	for _, tc := range []struct {
		open, want time.Duration
	}{{0, wscore.DefaultOpenHandshakeTimeout}, {2 * time.Second, 2 * time.Second}, {wscore.Unlimited, 0}} {
		hs := wshttp.NewHTTPServer(http.NotFoundHandler(), wscore.Options{OpenHandshakeTimeout: tc.open})
		if hs.ReadHeaderTimeout != tc.want || hs.IdleTimeout == 0 || hs.MaxHeaderBytes == 0 {
			t.Errorf("OpenHandshakeTimeout %v: %+v", tc.open, hs)
		}
	}
}

// recordingListener hands each accepted socket to conns as well.
type recordingListener struct {
	net.Listener
	conns chan net.Conn
}

func (l *recordingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.conns <- c
	}
	return c, err
}

// Behind the Flash policy listener the engine gets a wrapper, not the
// *net.TCPConn; DisableTCPNoDelay must still reach the socket (and the
// default leave TCP_NODELAY on).
func TestFlashPolicyNoDelay(t *testing.T) {
	for _, disable := range []bool{false, true} {
		opts := wscore.Options{ServeFlashSocketPolicy: true, DisableTCPNoDelay: disable}
		rt := wshttp.MustHandler(newEcho, opts)
		sockets := make(chan net.Conn, 4)
		base := serve(t, wshttp.NewHTTPServer(rt, opts), func(ln net.Listener) net.Listener {
			return wshttp.FlashPolicyListener(&recordingListener{Listener: ln, conns: sockets}, "", 0)
		})
		t.Cleanup(func() { rt.Server().Shutdown(t.Context()) })

		ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		ws.WriteMessage(websocket.TextMessage, []byte("hi"))
		if _, p, err := ws.ReadMessage(); err != nil || string(p) != "hi" {
			t.Fatalf("echo: %q %v", p, err)
		}
		if on := noDelay(t, <-sockets); on == disable {
			t.Errorf("DisableTCPNoDelay=%v behind FlashPolicyListener: TCP_NODELAY=%v", disable, on)
		}
		ws.Close()
	}
}

// noDelay reads TCP_NODELAY of a socket.
func noDelay(t *testing.T, c net.Conn) bool {
	t.Helper()
	raw, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	var gerr error
	raw.Control(func(fd uintptr) {
		v, gerr = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_NODELAY)
	})
	if gerr != nil {
		t.Fatal(gerr)
	}
	return v != 0
}
