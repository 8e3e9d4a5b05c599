//go:build !linux

package wscore

// Without epoll an idle connection waits in a fresh goroutine with a minimal
// stack (idle.go); park_linux.go parks it without one.

func (c *Conn) park() {
	c.parked.Store(true)
	go c.idleWait()
}

func (c *Conn) unpark() bool { return false }

type connPoller struct{}

var poller connPoller

func (connPoller) parkedCount() int { return 0 }
