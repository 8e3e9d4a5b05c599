// Command rawtcp is the machine's ceiling: a TCP echo that copies bytes back
// without looking at them (the load generator then reads its own masked
// frames). One goroutine per connection reads through the socket's RawConn
// and borrows a 32 KiB buffer from a pool only while bytes are there to copy,
// so an idle connection costs a goroutine and a socket.
package main

import (
	"net"
	"sync"
	"syscall"

	"github.com/wsplug/wsplug/bench/servers/internal/serve"
)

var pool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func main() {
	f := serve.Parse()
	ln := serve.Listen(f.Addr)
	for {
		conn, err := ln.Accept()
		if err != nil {
			serve.Fatal(err)
		}
		go echo(conn.(*net.TCPConn))
	}
}

func echo(conn *net.TCPConn) {
	defer conn.Close()
	raw, err := conn.SyscallConn()
	if err != nil {
		return
	}
	for {
		var (
			bp   *[]byte
			n    int
			rerr error
		)
		// Read without blocking; on EAGAIN give the buffer back and let the
		// runtime park us until the socket is readable.
		err := raw.Read(func(fd uintptr) bool {
			if bp == nil {
				bp = pool.Get().(*[]byte)
			}
			for {
				n, rerr = syscall.Read(int(fd), *bp)
				if rerr != syscall.EINTR {
					break
				}
			}
			if rerr == syscall.EAGAIN {
				pool.Put(bp)
				bp = nil
				return false
			}
			return true
		})
		if err != nil || rerr != nil || n <= 0 {
			if bp != nil {
				pool.Put(bp)
			}
			return
		}
		_, err = conn.Write((*bp)[:n])
		pool.Put(bp)
		if err != nil {
			return
		}
	}
}
