package wscore

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// tunnels tracks the connections a test proxy relays, so the proxy can end
// them all when the test ends.
type tunnels struct {
	mu      sync.Mutex
	conns   []net.Conn
	wg      sync.WaitGroup
	targets chan string
}

func newTunnels() *tunnels { return &tunnels{targets: make(chan string, 16)} }

func (tn *tunnels) track(cs ...net.Conn) {
	tn.mu.Lock()
	tn.conns = append(tn.conns, cs...)
	tn.mu.Unlock()
}

// relay copies both ways until one side ends, then closes both. client may
// hold bytes the proxy already read (in r).
func (tn *tunnels) relay(client net.Conn, r io.Reader, server net.Conn) {
	tn.track(client, server)
	tn.wg.Add(2)
	go func() {
		defer tn.wg.Done()
		io.Copy(server, r)
		server.Close()
		client.Close()
	}()
	go func() {
		defer tn.wg.Done()
		io.Copy(client, server)
		server.Close()
		client.Close()
	}()
}

func (tn *tunnels) closeAll() {
	tn.mu.Lock()
	for _, c := range tn.conns {
		c.Close()
	}
	tn.mu.Unlock()
	tn.wg.Wait()
}

// proxyConfig configures a test CONNECT proxy.
type proxyConfig struct {
	// user and pass, when user is set, make it demand Basic proxy
	// authentication.
	user, pass string
	// cert makes it an https:// proxy (TLS with this certificate), reached as
	// https://localhost:PORT.
	cert *tls.Certificate
	// mapAddr says where a requested host:port really is (the test's own
	// resolver: names such as wsplug.test are never looked up in DNS).
	mapAddr func(string) string
}

// startProxy runs an HTTP CONNECT proxy built on net/http on loopback; the
// targets it is asked for arrive on the tunnels' channel.
func startProxy(t *testing.T, pc proxyConfig) (*url.URL, *tunnels) {
	t.Helper()
	tn := newTunnels()
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(pc.user+":"+pc.pass))
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
			return
		}
		if pc.user != "" && r.Header.Get("Proxy-Authorization") != want {
			w.Header().Set("Proxy-Authenticate", `Basic realm="test"`)
			http.Error(w, "proxy authentication required", http.StatusProxyAuthRequired)
			return
		}
		tn.targets <- r.Host
		addr := r.Host
		if pc.mapAddr != nil {
			addr = pc.mapAddr(addr)
		}
		dst, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			dst.Close()
			return
		}
		conn.SetDeadline(time.Time{})
		io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n")
		tn.relay(conn, brw.Reader, dst)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused certificates are logged
	var u *url.URL
	if pc.cert != nil {
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{*pc.cert}}
		srv.StartTLS()
		_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
		u, _ = url.Parse("https://localhost:" + port)
	} else {
		srv.Start()
		u, _ = url.Parse(srv.URL)
	}
	t.Cleanup(func() {
		srv.Close()
		tn.closeAll()
	})
	return u, tn
}

// startSOCKS5 runs a minimal SOCKS5 server (RFC 1928: CONNECT only; RFC 1929
// user/password when user is set) on loopback.
func startSOCKS5(t *testing.T, user, pass string) (string, *tunnels) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tn := newTunnels()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				conn.SetDeadline(time.Now().Add(5 * time.Second))
				dst, err := socks5Handshake(conn, user, pass, tn.targets)
				if err != nil {
					conn.Close()
					return
				}
				conn.SetDeadline(time.Time{})
				tn.relay(conn, conn, dst)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
		tn.closeAll()
	})
	return ln.Addr().String(), tn
}

func socks5Handshake(conn net.Conn, user, pass string, targets chan<- string) (net.Conn, error) {
	read := func(n int) ([]byte, error) {
		b := make([]byte, n)
		_, err := io.ReadFull(conn, b)
		return b, err
	}
	hdr, err := read(2)
	if err != nil || hdr[0] != 5 {
		return nil, errors.New("not SOCKS5")
	}
	methods, err := read(int(hdr[1]))
	if err != nil {
		return nil, err
	}
	want := byte(0)
	if user != "" {
		want = 2
	}
	if !strings.ContainsRune(string(methods), rune(want)) {
		conn.Write([]byte{5, 0xFF})
		return nil, errors.New("no acceptable method")
	}
	conn.Write([]byte{5, want})
	if user != "" {
		b, err := read(2)
		if err != nil || b[0] != 1 {
			return nil, errors.New("bad auth version")
		}
		u, _ := read(int(b[1]))
		pl, _ := read(1)
		p, err := read(int(pl[0]))
		if err != nil || string(u) != user || string(p) != pass {
			conn.Write([]byte{1, 1})
			return nil, errors.New("bad credentials")
		}
		conn.Write([]byte{1, 0})
	}
	req, err := read(4)
	if err != nil || req[0] != 5 || req[1] != 1 {
		return nil, errors.New("bad request")
	}
	var host string
	switch req[3] {
	case 1:
		b, _ := read(4)
		host = net.IP(b).String()
	case 4:
		b, _ := read(16)
		host = net.IP(b).String()
	case 3:
		l, _ := read(1)
		b, _ := read(int(l[0]))
		host = string(b)
	}
	pb, err := read(2)
	if err != nil {
		return nil, err
	}
	target := net.JoinHostPort(host, strconv.Itoa(int(binary.BigEndian.Uint16(pb))))
	targets <- target
	dst, err := net.DialTimeout("tcp", target, 5*time.Second)
	if err != nil {
		conn.Write([]byte{5, 5, 0, 1, 0, 0, 0, 0, 0, 0})
		return nil, err
	}
	conn.Write([]byte{5, 0, 0, 1, 127, 0, 0, 1, 0, 0})
	return dst, nil
}

func fixedProxy(u *url.URL) func(*http.Request) (*url.URL, error) {
	return func(*http.Request) (*url.URL, error) { return u, nil }
}

// echoThrough dials url with opts and checks one echo and a clean close.
func echoThrough(t *testing.T, url string, opts *ClientOptions) {
	t.Helper()
	p := newRecClient()
	c := dialT(t, url, p, opts)
	<-p.opened
	clientRoundTrip(t, c, p, 100, false)
	clientRoundTrip(t, c, p, 100000, true)
	c.SendClose(CloseNormal, "")
	if ci := p.nextClose(t, 5*time.Second); !ci.wasClean {
		t.Fatalf("OnClose %+v", ci)
	}
}

func expectTarget(t *testing.T, tn *tunnels, want string) {
	t.Helper()
	select {
	case got := <-tn.targets:
		if got != want {
			t.Fatalf("proxy asked for %q, want %q", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the proxy saw no request")
	}
}

func TestClientHTTPConnectProxy(t *testing.T) {
	ss := startScriptServer(t, Options{}, nil)
	pu, tn := startProxy(t, proxyConfig{})
	echoThrough(t, ss.URL, &ClientOptions{Proxy: fixedProxy(pu)})
	expectTarget(t, tn, ss.Addr)
}

func TestClientHTTPConnectProxyAuth(t *testing.T) {
	ss := startScriptServer(t, Options{}, nil)
	pu, tn := startProxy(t, proxyConfig{user: "proxyuser", pass: "s3cret"})

	// Without credentials: the proxy's 407 with its headers and body.
	_, err := Dial(context.Background(), ss.URL, newRecClient().factory, &ClientOptions{Proxy: fixedProxy(pu)})
	var he *HandshakeError
	if !errors.As(err, &he) || !errors.Is(err, ErrProxy) || he.Status != http.StatusProxyAuthRequired ||
		he.Header.Get("Proxy-Authenticate") == "" || !strings.Contains(string(he.Body), "proxy authentication required") {
		t.Fatalf("got %v (%+v), want a 407 ErrProxy HandshakeError", err, he)
	}

	// With credentials in the proxy URL.
	authed := *pu
	authed.User = url.UserPassword("proxyuser", "s3cret")
	echoThrough(t, ss.URL, &ClientOptions{Proxy: fixedProxy(&authed)})
	expectTarget(t, tn, ss.Addr)
}

func TestClientSOCKS5Proxy(t *testing.T) {
	ss := startScriptServer(t, Options{}, nil)
	addr, tn := startSOCKS5(t, "", "")
	pu, _ := url.Parse("socks5://" + addr)
	echoThrough(t, ss.URL, &ClientOptions{Proxy: fixedProxy(pu)})
	expectTarget(t, tn, ss.Addr)

	// socks5h and a host name: the proxy resolves it.
	_, port, _ := net.SplitHostPort(ss.Addr)
	pu, _ = url.Parse("socks5h://" + addr)
	echoThrough(t, "ws://localhost:"+port+"/", &ClientOptions{Proxy: fixedProxy(pu)})
	expectTarget(t, tn, "localhost:"+port)
}

func TestClientSOCKS5ProxyAuth(t *testing.T) {
	ss := startScriptServer(t, Options{}, nil)
	addr, tn := startSOCKS5(t, "sockuser", "pw")
	pu, _ := url.Parse("socks5://sockuser:pw@" + addr)
	echoThrough(t, ss.URL, &ClientOptions{Proxy: fixedProxy(pu)})
	expectTarget(t, tn, ss.Addr)

	bad, _ := url.Parse("socks5://sockuser:wrong@" + addr)
	if _, err := Dial(context.Background(), ss.URL, newRecClient().factory, &ClientOptions{Proxy: fixedProxy(bad)}); err == nil || !strings.Contains(err.Error(), "SOCKS5") {
		t.Fatalf("wrong SOCKS5 password: %v", err)
	}
}

func TestClientProxyChoice(t *testing.T) {
	ss := startScriptServer(t, Options{}, nil)
	var seen []string
	record := func(r *http.Request) (*url.URL, error) {
		seen = append(seen, r.URL.String())
		return nil, nil
	}
	echoThrough(t, ss.URL+"path?q=1", &ClientOptions{Proxy: record})
	if len(seen) != 1 || seen[0] != "http://"+ss.Addr+"/path?q=1" {
		t.Fatalf("Proxy saw %v, want the http:// form of the URL", seen)
	}
	echoThrough(t, ss.URL, &ClientOptions{Proxy: record, DisableProxy: true})
	if len(seen) != 1 {
		t.Fatal("DisableProxy still asked Proxy")
	}

	failing := func(*http.Request) (*url.URL, error) { return nil, errors.New("no proxy for you") }
	if _, err := Dial(context.Background(), ss.URL, newRecClient().factory, &ClientOptions{Proxy: failing}); err == nil || !strings.Contains(err.Error(), "no proxy for you") {
		t.Fatalf("Proxy error: %v", err)
	}
	ftp, _ := url.Parse("ftp://127.0.0.1:21")
	if _, err := Dial(context.Background(), ss.URL, newRecClient().factory, &ClientOptions{Proxy: fixedProxy(ftp)}); err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Fatalf("ftp proxy: %v", err)
	}
	// A proxy that is down.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	down, _ := url.Parse("http://" + ln.Addr().String())
	ln.Close()
	if _, err := Dial(context.Background(), ss.URL, newRecClient().factory, &ClientOptions{Proxy: fixedProxy(down)}); err == nil || !strings.Contains(err.Error(), "proxy") {
		t.Fatalf("proxy down: %v", err)
	}
}

// startTLSServer serves a wscore echo server over TLS (httptest's
// certificate, valid for 127.0.0.1) and returns its wss:// URL and a client
// TLS config that trusts it.
func startTLSServer(t *testing.T) (string, *tls.Config) {
	t.Helper()
	s, err := NewServer(func() ServerProtocol { return &echoProtocol{} }, Options{})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.Upgrade(w, r) }))
	hs.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted-certificate case logs a TLS error
	hs.StartTLS()
	t.Cleanup(func() {
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	pool := x509.NewCertPool()
	pool.AddCert(hs.Certificate())
	return "wss://" + strings.TrimPrefix(hs.URL, "https://") + "/", &tls.Config{RootCAs: pool}
}

func TestClientTLS(t *testing.T) {
	wss, cfg := startTLSServer(t)
	echoThrough(t, wss, &ClientOptions{TLSConfig: cfg})
	if cfg.ServerName != "" {
		t.Fatal("Dial changed the caller's tls.Config")
	}
	// HTTP/2 offered by the caller's config is dropped: the handshake is HTTP/1.1.
	h2 := cfg.Clone()
	h2.NextProtos = []string{"h2", "http/1.1"}
	echoThrough(t, wss, &ClientOptions{TLSConfig: h2})

	// Untrusted certificate.
	_, err := Dial(context.Background(), wss, newRecClient().factory, nil)
	var cve *tls.CertificateVerificationError
	if !errors.As(err, &cve) {
		t.Fatalf("untrusted certificate: %v", err)
	}
}

func TestClientTLSThroughProxy(t *testing.T) {
	wss, cfg := startTLSServer(t)
	pu, tn := startProxy(t, proxyConfig{})
	echoThrough(t, wss, &ClientOptions{TLSConfig: cfg, Proxy: fixedProxy(pu)})
	u, _ := url.Parse(wss)
	expectTarget(t, tn, u.Host)
}

// A proxy that accepts TCP and never answers CONNECT is bounded by the
// handshake timeout.
func TestClientProxyTimeout(t *testing.T) {
	rs := startRawServer(t, func(conn net.Conn, br *bufio.Reader, req *http.Request) {
		io.Copy(io.Discard, br)
	})
	pu, _ := url.Parse("http://" + rs.Addr)
	start := time.Now()
	_, err := Dial(context.Background(), "ws://127.0.0.1:9/", newRecClient().factory, &ClientOptions{Proxy: fixedProxy(pu), OpenHandshakeTimeout: 200 * time.Millisecond})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Fatalf("got %v after %v", err, time.Since(start))
	}
}
