package wshttp

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strconv"
	"syscall"
	"time"
)

// flashPolicyRequest is what the Flash player sends before it opens a socket.
const flashPolicyRequest = "<policy-file-request/>\x00"

// FlashPolicyListener wraps ln so that a connection opening with Flash's
// "<policy-file-request/>\0" is answered with policy (followed by a NUL byte)
// and closed, on the same port as the HTTP server. Every other connection
// passes through untouched: the check costs nothing unless the first byte read
// is '<', which no HTTP request starts with. The rest of a policy request must
// arrive within timeout (0: 5 s).
//
// An empty policy allows every domain to the listener's port, as Autobahn's
// default does. Flash is dead; this exists because the seed's option does and
// costs one byte comparison per connection.
func FlashPolicyListener(ln net.Listener, policy string, timeout time.Duration) net.Listener {
	if policy == "" {
		port := "*"
		if a, ok := ln.Addr().(*net.TCPAddr); ok {
			port = strconv.Itoa(a.Port)
		}
		policy = "<cross-domain-policy>\n <allow-access-from domain=\"*\" to-ports=\"" + port + "\" />\n</cross-domain-policy>"
	}
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	return &flashListener{Listener: ln, policy: append([]byte(policy), 0), timeout: timeout}
}

type flashListener struct {
	net.Listener
	policy  []byte
	timeout time.Duration
}

// Accept returns at once: the first read of the connection, on the HTTP
// server's goroutine and under its deadline, does the check, so a silent
// client cannot stall the accept loop.
func (l *flashListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &flashConn{Conn: c, l: l}, nil
}

// flashConn checks the first bytes of a connection for a policy request.
// Reads are serialized by its user (net/http, then the WebSocket reader).
type flashConn struct {
	net.Conn
	l       *flashListener
	checked bool
	pending []byte // bytes read during the check, not yet returned
}

func (c *flashConn) Read(p []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	if c.checked {
		return c.Conn.Read(p)
	}
	c.checked = true
	n, err := c.Conn.Read(p)
	if n == 0 || p[0] != '<' {
		return n, err
	}
	return c.checkPolicy(p, n, err)
}

// checkPolicy completes a possible policy request whose first n bytes are in
// p: a match is answered and the connection ends (io.EOF to the HTTP server);
// anything else is handed on as it came.
func (c *flashConn) checkPolicy(p []byte, n int, err error) (int, error) {
	got := append(make([]byte, 0, len(flashPolicyRequest)), p[:n]...)
	c.Conn.SetReadDeadline(time.Now().Add(c.l.timeout))
	var buf [len(flashPolicyRequest)]byte
	for err == nil && len(got) < len(flashPolicyRequest) && bytes.HasPrefix([]byte(flashPolicyRequest), got) {
		var m int
		m, err = c.Conn.Read(buf[:len(flashPolicyRequest)-len(got)])
		got = append(got, buf[:m]...)
	}
	if bytes.HasPrefix(got, []byte(flashPolicyRequest)) {
		c.Conn.SetWriteDeadline(time.Now().Add(c.l.timeout))
		c.Conn.Write(c.l.policy)
		c.Conn.Close()
		return 0, io.EOF
	}
	// Not Flash: whatever it is, the HTTP server judges it, under our deadline.
	c.pending = got[n:]
	return n, nil
}

// CloseWrite, SyscallConn and SetNoDelay pass through to the socket, so the
// WebSocket engine can half-close, wait for data without holding a buffer,
// and honour Options.DisableTCPNoDelay.
func (c *flashConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}

func (c *flashConn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := c.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, errors.ErrUnsupported
}

func (c *flashConn) SetNoDelay(noDelay bool) error {
	if nd, ok := c.Conn.(interface{ SetNoDelay(bool) error }); ok {
		return nd.SetNoDelay(noDelay)
	}
	return errors.ErrUnsupported
}
