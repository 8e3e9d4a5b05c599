package redistest

import (
	"net"
	"sync"
	"testing"
)

// Direction is one way through a Proxy.
type Direction int

const (
	// ToServer carries the clients' commands to Redis.
	ToServer Direction = iota
	// ToClient carries Redis's replies (and pub/sub messages) to the clients.
	ToClient
)

// Proxy is a loopback TCP proxy in front of a Server that can hold the bytes
// going either way, so that a test can make Redis look slow at a chosen
// moment: with ToClient held Redis still executes every command, but its
// replies wait; with ToServer held the commands wait. Bytes are never dropped
// or reordered, only delayed. Close (run at the test's cleanup) drops every
// proxied connection.
type Proxy struct {
	Addr string
	ln   net.Listener
	dst  string

	mu     sync.Mutex
	cond   *sync.Cond
	hold   [2]bool
	closed bool
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

// Proxy starts a proxy to the server on a free loopback port.
func (s *Server) Proxy(t testing.TB) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{Addr: ln.Addr().String(), ln: ln, dst: s.Addr, conns: map[net.Conn]struct{}{}}
	p.cond = sync.NewCond(&p.mu)
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.Close)
	return p
}

// URL is the proxy's redis:// URL.
func (p *Proxy) URL() string { return "redis://" + p.Addr }

// Hold stops (on) or resumes (off) forwarding in one direction.
func (p *Proxy) Hold(d Direction, on bool) {
	p.mu.Lock()
	p.hold[d] = on
	p.cond.Broadcast()
	p.mu.Unlock()
}

// Close stops the proxy and drops its connections.
func (p *Proxy) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.cond.Broadcast()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.ln.Close()
	p.wg.Wait()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.dst)
		if err != nil {
			c.Close()
			continue
		}
		if !p.track(c, s) {
			return
		}
		p.wg.Add(2)
		go p.forward(c, s, ToServer)
		go p.forward(s, c, ToClient)
	}
}

func (p *Proxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		for _, c := range conns {
			c.Close()
		}
		return false
	}
	for _, c := range conns {
		p.conns[c] = struct{}{}
	}
	return true
}

// forward copies src to dst, waiting while its direction is held; when
// either side ends, both are closed.
func (p *Proxy) forward(src, dst net.Conn, d Direction) {
	defer p.wg.Done()
	defer func() {
		src.Close()
		dst.Close()
		p.mu.Lock()
		delete(p.conns, src)
		delete(p.conns, dst)
		p.mu.Unlock()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.wait(d) {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil { // the peer went away, or Close
			return
		}
	}
}

// wait blocks while d is held; false when the proxy closed.
func (p *Proxy) wait(d Direction) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.hold[d] && !p.closed {
		p.cond.Wait()
	}
	return !p.closed
}
