package wscore

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// selfSignedCert makes a certificate for the given DNS names, and a pool that
// trusts it (and nothing else).
func selfSignedCert(t *testing.T, dnsNames ...string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: dnsNames[0]},
		DNSNames:              dnsNames,
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// noMoreTargets fails when the proxy was asked for anything else.
func noMoreTargets(t *testing.T, tn *tunnels) {
	t.Helper()
	select {
	case got := <-tn.targets:
		t.Fatalf("the proxy was asked for %q", got)
	default:
	}
}

// dialRecorder is a ClientOptions.NetDialContext that records every address
// it is asked for; mapAddr, when set, plays the resolver.
type dialRecorder struct {
	mu      sync.Mutex
	addrs   []string
	mapAddr func(string) string
	fail    error
}

func (d *dialRecorder) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.addrs = append(d.addrs, network+" "+addr)
	d.mu.Unlock()
	if d.fail != nil {
		return nil, d.fail
	}
	if d.mapAddr != nil {
		addr = d.mapAddr(addr)
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, addr)
}

func (d *dialRecorder) calls() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.addrs...)
}

// An https:// proxy is a TLS server of its own: ProxyTLSConfig (default: the
// system roots, ServerName from the proxy URL) is used for it, TLSConfig only
// for the wss:// server behind it.
func TestClientHTTPSProxyTLSConfig(t *testing.T) {
	wss, targetCfg := startTLSServer(t)
	target, _ := url.Parse(wss)
	proxyCert, proxyPool := selfSignedCert(t, "localhost")
	pu, tn := startProxy(t, proxyConfig{cert: &proxyCert})

	// Each side trusts only its own certificate; the wss server's TLSConfig
	// names example.com (in httptest's certificate), the proxy is localhost.
	tcfg := targetCfg.Clone()
	tcfg.ServerName = "example.com"
	pcfg := &tls.Config{RootCAs: proxyPool}
	echoThrough(t, wss, &ClientOptions{TLSConfig: tcfg, ProxyTLSConfig: pcfg, Proxy: fixedProxy(pu)})
	expectTarget(t, tn, target.Host)
	if pcfg.ServerName != "" {
		t.Fatal("Dial changed the caller's ProxyTLSConfig")
	}

	// TLSConfig trusts both certificates but is not used for the proxy: with
	// no ProxyTLSConfig the system roots refuse the proxy's certificate.
	// Clone shares RootCAs: AddCert on it would change the pool of tcfg and
	// of the other tests' configs, so the pool is cloned too.
	both := targetCfg.Clone()
	both.RootCAs = both.RootCAs.Clone()
	both.RootCAs.AddCert(proxyCert.Leaf)
	_, err := Dial(context.Background(), wss, newRecClient().factory, &ClientOptions{TLSConfig: both, Proxy: fixedProxy(pu)})
	var cve *tls.CertificateVerificationError
	if !errors.As(err, &cve) || !strings.Contains(err.Error(), "TLS with proxy") {
		t.Fatalf("got %v, want the proxy's certificate refused", err)
	}
	noMoreTargets(t, tn)

	// The proxy's certificate is checked against the proxy's name.
	wrong := &tls.Config{RootCAs: proxyPool, ServerName: "not-the-proxy.example"}
	_, err = Dial(context.Background(), wss, newRecClient().factory, &ClientOptions{TLSConfig: tcfg, ProxyTLSConfig: wrong, Proxy: fixedProxy(pu)})
	if !errors.As(err, &cve) {
		t.Fatalf("got %v, want a name mismatch", err)
	}
	noMoreTargets(t, tn)

	// A ws:// URL through the https proxy needs no TLSConfig at all.
	ss := startScriptServer(t, Options{}, nil)
	echoThrough(t, ss.URL, &ClientOptions{ProxyTLSConfig: pcfg, Proxy: fixedProxy(pu)})
	expectTarget(t, tn, ss.Addr)
}

// ClientOptions.NetDialContext makes every TCP connection: to the server, or
// to the proxy of each kind, with the address of the one it goes to.
func TestClientNetDialContext(t *testing.T) {
	ss := startScriptServer(t, Options{}, nil)
	wss, targetCfg := startTLSServer(t)
	wssURL, _ := url.Parse(wss)
	httpProxy, _ := startProxy(t, proxyConfig{})
	proxyCert, proxyPool := selfSignedCert(t, "localhost")
	httpsProxy, _ := startProxy(t, proxyConfig{cert: &proxyCert})
	socks, _ := startSOCKS5(t, "", "")
	socks5, _ := url.Parse("socks5://" + socks)
	socks5h, _ := url.Parse("socks5h://" + socks)

	cases := []struct {
		name, url string
		proxy     *url.URL
		want      string
	}{
		{"direct", ss.URL, nil, ss.Addr},
		{"direct wss", wss, nil, wssURL.Host},
		{"http proxy", ss.URL, httpProxy, httpProxy.Host},
		{"http proxy wss", wss, httpProxy, httpProxy.Host},
		{"https proxy", ss.URL, httpsProxy, httpsProxy.Host},
		{"socks5", ss.URL, socks5, socks},
		{"socks5h", ss.URL, socks5h, socks},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := &dialRecorder{}
			o := &ClientOptions{NetDialContext: d.dial, TLSConfig: targetCfg, ProxyTLSConfig: &tls.Config{RootCAs: proxyPool}}
			if c.proxy != nil {
				o.Proxy = fixedProxy(c.proxy)
			} else {
				o.DisableProxy = true
			}
			echoThrough(t, c.url, o)
			if got := d.calls(); len(got) != 1 || got[0] != "tcp "+c.want {
				t.Fatalf("NetDialContext called with %q, want once with %q", got, "tcp "+c.want)
			}
		})
	}

	// Its error is Dial's.
	errNope := errors.New("no dialing today")
	for _, proxy := range []*url.URL{nil, httpProxy, socks5} {
		o := &ClientOptions{NetDialContext: (&dialRecorder{fail: errNope}).dial, DisableProxy: proxy == nil}
		if proxy != nil {
			o.Proxy = fixedProxy(proxy)
		}
		if _, err := Dial(context.Background(), ss.URL, newRecClient().factory, o); !errors.Is(err, errNope) {
			t.Errorf("proxy %v: got %v, want the dialer's error", proxy, err)
		}
	}
}

// Environment variables of the child process of TestClientProxyFromEnvironment.
const (
	envChild     = "WSPLUG_TEST_ENVPROXY_CHILD"
	envChildWS   = "WSPLUG_TEST_ENVPROXY_WS"
	envChildWSS  = "WSPLUG_TEST_ENVPROXY_WSS"
	envChildCA   = "WSPLUG_TEST_ENVPROXY_CA"
	envChildPort = "WSPLUG_TEST_ENVPROXY_PORT"
)

// The default Proxy is http.ProxyFromEnvironment. net/http reads the
// environment once per process and never proxies loopback addresses, so the
// test runs its client in a child process (this test binary again) with
// HTTP_PROXY, HTTPS_PROXY and NO_PROXY set, dialling names under .test that
// only the test's proxies (and the child's own dialer, for direct
// connections) know how to reach: no DNS lookup is made.
func TestClientProxyFromEnvironment(t *testing.T) {
	if os.Getenv(envChild) != "" {
		t.Skip("in the child")
	}
	ss := startScriptServer(t, Options{}, nil)
	wss, _ := startTLSServer(t)
	_, port, _ := net.SplitHostPort(ss.Addr)
	wssURL, _ := url.Parse(wss)
	tlsPort := wssURL.Port()
	toLoopback := func(addr string) string {
		host, p, _ := net.SplitHostPort(addr)
		if strings.HasSuffix(host, ".test") {
			return net.JoinHostPort("127.0.0.1", p)
		}
		return addr
	}
	httpProxy, httpTn := startProxy(t, proxyConfig{mapAddr: toLoopback})
	httpsProxy, httpsTn := startProxy(t, proxyConfig{mapAddr: toLoopback})

	// The wss server's certificate (httptest's, valid for example.com), for
	// the child to trust.
	hs := wssCertificate(t, wss)
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: hs.Raw})

	env := []string{}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch strings.ToUpper(k) {
		case "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "REQUEST_METHOD":
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"HTTP_PROXY="+httpProxy.String(),
		"HTTPS_PROXY="+httpsProxy.String(),
		"NO_PROXY=direct.wsplug.test,.example.org",
		envChild+"=1",
		envChildWS+"=ws://wsplug.test:"+port+"/",
		envChildWSS+"=wss://wsplug.test:"+tlsPort+"/",
		envChildPort+"="+port,
		envChildCA+"="+string(caPEM),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestClientProxyFromEnvironmentChild$", "-test.count=1", "-test.v")
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// The child's verdict is its test's: the leak check of its TestMain is
	// the parent's business (goroutines of the engine that outlive a test are
	// checked in this process).
	err := cmd.Run()
	if !strings.Contains(out.String(), "--- PASS: TestClientProxyFromEnvironmentChild") || !strings.Contains(out.String(), "child done") {
		t.Fatalf("child (%v):\n%s", err, out.String())
	}
	// ws:// went through HTTP_PROXY (twice: default dialer, then a custom
	// one), wss:// through HTTPS_PROXY; the NO_PROXY name and DisableProxy
	// went to neither.
	expectTarget(t, httpTn, "wsplug.test:"+port)
	expectTarget(t, httpTn, "wsplug.test:"+port)
	expectTarget(t, httpsTn, "wsplug.test:"+tlsPort)
	noMoreTargets(t, httpTn)
	noMoreTargets(t, httpsTn)
}

// wssCertificate returns the certificate the TLS server at wss presents.
func wssCertificate(t *testing.T, wss string) *x509.Certificate {
	t.Helper()
	u, _ := url.Parse(wss)
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", u.Host, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0]
}

// TestClientProxyFromEnvironmentChild is the child of
// TestClientProxyFromEnvironment; it is skipped in a normal run.
func TestClientProxyFromEnvironmentChild(t *testing.T) {
	if os.Getenv(envChild) == "" {
		t.Skip("runs only as the child of TestClientProxyFromEnvironment")
	}
	// ws:// through HTTP_PROXY, with the default options.
	echoThrough(t, os.Getenv(envChildWS), nil)

	// wss:// through HTTPS_PROXY.
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(os.Getenv(envChildCA))) {
		t.Fatal("no CA certificate")
	}
	echoThrough(t, os.Getenv(envChildWSS), &ClientOptions{TLSConfig: &tls.Config{RootCAs: pool, ServerName: "example.com"}})

	// A NO_PROXY name is dialled directly (the recording dialer resolves it
	// to loopback), and so is any name with DisableProxy.
	port := os.Getenv(envChildPort)
	toLoopback := func(addr string) string {
		_, p, _ := net.SplitHostPort(addr)
		return net.JoinHostPort("127.0.0.1", p)
	}
	for _, c := range []struct {
		url     string
		disable bool
	}{
		{"ws://direct.wsplug.test:" + port + "/", false},
		{"ws://wsplug.test:" + port + "/", true},
	} {
		d := &dialRecorder{mapAddr: toLoopback}
		u, _ := url.Parse(c.url)
		echoThrough(t, c.url, &ClientOptions{NetDialContext: d.dial, DisableProxy: c.disable})
		if got := d.calls(); len(got) != 1 || got[0] != "tcp "+u.Host {
			t.Fatalf("%s (DisableProxy %v): dialled %q, want %q directly", c.url, c.disable, got, u.Host)
		}
	}
	// With HTTP_PROXY set, a name outside NO_PROXY goes to the proxy even with
	// a custom dialer: the dialer is asked for the proxy's address.
	d := &dialRecorder{}
	echoThrough(t, os.Getenv(envChildWS), &ClientOptions{NetDialContext: d.dial})
	proxy, _ := url.Parse(os.Getenv("HTTP_PROXY"))
	if got := d.calls(); len(got) != 1 || got[0] != "tcp "+proxy.Host {
		t.Fatalf("dialled %q, want the proxy %s", got, proxy.Host)
	}
	fmt.Println("child done")
}
