package wscore

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"

	"golang.org/x/net/proxy"
)

// dialFunc makes a TCP connection.
type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// proxyURL asks ClientOptions.Proxy (default: the environment, as net/http
// does) whether to reach the server through a proxy; nil means directly.
func (h *clientHandshake) proxyURL(o *ClientOptions) (*url.URL, error) {
	if o.DisableProxy {
		return nil, nil
	}
	choose := o.Proxy
	if choose == nil {
		choose = http.ProxyFromEnvironment
	}
	req := &http.Request{Method: http.MethodGet, URL: h.httpURL, Host: h.url.Host, Header: http.Header{}}
	u, err := choose(req)
	if err != nil {
		return nil, fmt.Errorf("choosing a proxy: %w", err)
	}
	return u, nil
}

// dialProxied connects to target through the proxy at pu.
func dialProxied(ctx context.Context, dial dialFunc, pu *url.URL, target string, o *ClientOptions) (net.Conn, error) {
	switch pu.Scheme {
	case "http", "https":
		return dialHTTPProxy(ctx, dial, pu, target, o)
	case "socks5", "socks5h":
		return dialSOCKS5(ctx, dial, pu, target)
	}
	return nil, fmt.Errorf("proxy %s: scheme %q is not supported (http, https, socks5, socks5h)", pu.Redacted(), pu.Scheme)
}

// dialHTTPProxy opens a tunnel to target with HTTP CONNECT (RFC 9110 9.3.6).
// A refusal (407 and the like) is a *HandshakeError wrapping ErrProxy with the
// proxy's status, headers and body prefix.
func dialHTTPProxy(ctx context.Context, dial dialFunc, pu *url.URL, target string, o *ClientOptions) (net.Conn, error) {
	proxyAddr := pu.Host
	if pu.Port() == "" {
		port := "80"
		if pu.Scheme == "https" {
			port = "443"
		}
		proxyAddr = net.JoinHostPort(pu.Hostname(), port)
	}
	nc, err := dial(ctx, "tcp", proxyAddr)
	if err != nil {
		return nil, fmt.Errorf("connecting to proxy %s: %w", pu.Redacted(), err)
	}
	if pu.Scheme == "https" {
		cfg := tlsConfigFor(o.ProxyTLSConfig, pu.Hostname())
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, fmt.Errorf("TLS with proxy %s: %w", pu.Redacted(), err)
		}
		nc = tc
	}
	stop := watchConn(ctx, nc)
	conn, err := connectTunnel(ctx, nc, pu, target)
	stop()
	if cause := ctxCause(ctx); cause != nil && !answered(err) {
		err = cause
	}
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("tunnel through proxy %s: %w", pu.Redacted(), err)
	}
	return conn, nil
}

// connectTunnel sends CONNECT on nc and reads the proxy's answer.
func connectTunnel(ctx context.Context, nc net.Conn, pu *url.URL, target string) (net.Conn, error) {
	req := "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\nUser-Agent: " + userAgent() + "\r\n"
	if pu.User != nil {
		pass, _ := pu.User.Password()
		req += "Proxy-Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(pu.User.Username()+":"+pass)) + "\r\n"
	}
	req += "\r\n"
	if _, err := io.WriteString(nc, req); err != nil {
		return nil, err
	}
	lr := &io.LimitedReader{R: nc, N: maxResponseHead}
	br := bufio.NewReaderSize(lr, 1024)
	resp, err := readResponseHead(br, lr, &http.Request{Method: http.MethodConnect})
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		e := handshakeError(ErrProxy, resp, "CONNECT %s refused", target)
		e.Body = readBodyPrefix(ctx, nc, resp)
		return nil, e
	}
	if n := br.Buffered(); n > 0 {
		// The proxy sent bytes after its answer: they come from the server.
		pre, _ := br.Peek(n)
		return &prefixConn{Conn: nc, pre: append([]byte(nil), pre...)}, nil
	}
	return nc, nil
}

// dialSOCKS5 connects to target through a SOCKS5 proxy (RFC 1928, with the
// user/password authentication of RFC 1929 from the URL's user info).
func dialSOCKS5(ctx context.Context, dial dialFunc, pu *url.URL, target string) (net.Conn, error) {
	var raw net.Conn
	forward := contextDialer(func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		raw = c
		return c, err
	})
	d, err := proxy.FromURL(pu, forward)
	if err != nil {
		return nil, fmt.Errorf("proxy %s: %w", pu.Redacted(), err)
	}
	cd, ok := d.(proxy.ContextDialer)
	if !ok {
		return nil, fmt.Errorf("proxy %s: dialer without context support", pu.Redacted())
	}
	if _, err := cd.DialContext(ctx, "tcp", target); err != nil {
		return nil, fmt.Errorf("SOCKS5 proxy %s: %w", pu.Redacted(), err)
	}
	// The SOCKS handshake read exactly its own bytes from raw; its wrapper only
	// adds the bound address. The plain socket lets the engine read without
	// holding a buffer while idle.
	return raw, nil
}

// contextDialer adapts a dialFunc to golang.org/x/net/proxy.
type contextDialer dialFunc

func (d contextDialer) Dial(network, addr string) (net.Conn, error) {
	return d(context.Background(), network, addr)
}

func (d contextDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return d(ctx, network, addr)
}

// prefixConn is a connection with bytes already read from it in front.
type prefixConn struct {
	net.Conn
	pre []byte
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if len(c.pre) > 0 {
		n := copy(p, c.pre)
		c.pre = c.pre[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// tlsConfigFor clones base (or a default) for a connection to host: the
// server name defaults to the host, and HTTP/2 is not offered (the handshake
// is HTTP/1.1).
func tlsConfigFor(base *tls.Config, host string) *tls.Config {
	var cfg *tls.Config
	if base != nil {
		cfg = base.Clone()
	} else {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	if len(cfg.NextProtos) > 0 {
		protos := make([]string, 0, len(cfg.NextProtos))
		for _, p := range cfg.NextProtos {
			if p != "h2" {
				protos = append(protos, p)
			}
		}
		cfg.NextProtos = protos
	}
	return cfg
}
