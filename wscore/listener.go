package wscore

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"time"
)

// maxRequestHead bounds the request line and headers a client may send.
const maxRequestHead = 16 << 10

// Serve accepts connections on ln and serves the route on every one of them
// without net/http: it reads the request head itself (bounded in size and by
// OpenHandshakeTimeout, so a client that trickles its handshake is cut off),
// then answers as ServeConn does. Requests that are not WebSocket upgrades get
// 426. It returns nil once ln is closed, or the error that stopped Accept.
//
// This is the leanest way to serve a WebSocket-only port. To share a port
// with other HTTP handlers, or to get the status page, use an adapter.
func (s *Server) Serve(ln net.Listener) error {
	var backoff time.Duration
	for {
		conn, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				// Out of file descriptors and the like: wait and retry, as
				// net/http does.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		go s.serveRaw(conn)
	}
}

// serveRaw reads one request head from conn and serves it.
func (s *Server) serveRaw(conn net.Conn) {
	if t := s.cfg.openTimeout; t > 0 {
		conn.SetDeadline(time.Now().Add(t))
	}
	lr := &headLimiter{r: conn, left: maxRequestHead}
	br := bufio.NewReaderSize(lr, 4096)
	req, err := http.ReadRequest(br)
	if err != nil {
		var herr *HTTPError
		switch {
		case errors.Is(err, errHeadTooLarge):
			herr = httpError(http.StatusRequestHeaderFieldsTooLarge, "request head too large")
		case errors.Is(err, io.EOF), isTimeout(err):
			conn.Close() // gone, or too slow: nothing to answer
			return
		default:
			herr = httpError(http.StatusBadRequest, "malformed HTTP request")
		}
		conn.Write(appendHTTPError(nil, herr))
		conn.Close()
		return
	}
	lr.left = -1 // the head is read: frames are not limited here
	hr := RequestFromHTTP(req)
	hr.RemoteAddr = conn.RemoteAddr().String()
	if !IsUpgradeRequest(req.Header) {
		herr := httpError(http.StatusUpgradeRequired, "this is a WebSocket endpoint")
		herr.Header = http.Header{"Upgrade": {"websocket"}, "Sec-Websocket-Version": {versionList(s.rules.versions)}}
		conn.Write(appendHTTPError(nil, herr))
		conn.Close()
		return
	}
	s.serveConn(conn, br, hr, false) // our own goroutine: it may hop when idle
}

var errHeadTooLarge = errors.New("request head too large")

// headLimiter fails reads once the request head exceeds its budget; left < 0
// turns it into a plain pass-through.
type headLimiter struct {
	r    io.Reader
	left int
}

func (l *headLimiter) Read(p []byte) (int, error) {
	if l.left < 0 {
		return l.r.Read(p)
	}
	if l.left == 0 {
		return 0, errHeadTooLarge
	}
	if len(p) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= n
	return n, err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
