package wscore

import (
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// echoProtocol echoes every message and records how the connection ended.
type echoProtocol struct {
	BaseServerProtocol
	closed chan closeInfo
}

type closeInfo struct {
	wasClean  bool
	code      int
	reason    string
	localCode int // the close code the server sent (LocalClose), 0 if none
}

func (p *echoProtocol) OnMessage(c *Conn, payload []byte, isBinary bool) {
	c.SendMessage(payload, isBinary)
}

func (p *echoProtocol) OnClose(c *Conn, wasClean bool, code int, reason string) {
	if p.closed != nil {
		lc, _, sent := c.LocalClose()
		if !sent {
			lc = 0
		}
		p.closed <- closeInfo{wasClean, code, reason, lc}
	}
}

// testServer is a wscore Server on a real loopback listener behind net/http.
type testServer struct {
	*Server
	Addr   string
	URL    string
	closes chan closeInfo
	srv    *http.Server
	wg     sync.WaitGroup
}

// startServer serves an echo protocol with opts on 127.0.0.1 and stops it when
// the test ends (waiting for every connection to finish).
func startServer(t testing.TB, opts Options) *testServer {
	t.Helper()
	ts := &testServer{closes: make(chan closeInfo, 1024)}
	s, err := NewServer(func() ServerProtocol { return &echoProtocol{closed: ts.closes} }, opts)
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, s, ts)
}

func serve(t testing.TB, s *Server, ts *testServer) *testServer {
	t.Helper()
	return serveWith(t, s, ts, nil)
}

// serveWith is serve with a chance to configure the http.Server first.
func serveWith(t testing.TB, s *Server, ts *testServer, configure func(*http.Server)) *testServer {
	t.Helper()
	if ts == nil {
		ts = &testServer{}
	}
	ts.Server = s
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.Addr = ln.Addr().String()
	ts.URL = "ws://" + ts.Addr + "/"
	ts.srv = &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.Upgrade(w, r) }),
		ReadHeaderTimeout: 5 * time.Second,
	}
	if configure != nil {
		configure(ts.srv)
	}
	ts.wg.Add(1)
	go func() {
		defer ts.wg.Done()
		ts.srv.Serve(ln)
	}()
	t.Cleanup(func() {
		ts.srv.Close()
		ts.wg.Wait()
		ctx, cancel := contextWithTimeout(5 * time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return ts
}

// nextClose waits for the next OnClose of the test server.
func (ts *testServer) nextClose(t testing.TB) closeInfo {
	t.Helper()
	select {
	case ci := <-ts.closes:
		return ci
	case <-time.After(5 * time.Second):
		t.Fatal("OnClose was not called within 5s")
		return closeInfo{}
	}
}
