// Package natstest runs a nats-server embedded in the test process
// (github.com/nats-io/nats-server/v2) on a loopback port, and can restart it
// on the same port to test reconnection.
package natstest

import (
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Server is a nats-server embedded in the test process on a loopback
// port, which can be restarted on the same port.
type Server struct {
	t    testing.TB
	srv  *server.Server
	port int
}

// Start starts a server; the test's cleanup shuts it down.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, port: -1}
	s.startServer()
	t.Cleanup(s.Stop)
	return s
}

func (s *Server) startServer() {
	s.t.Helper()
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: s.port, NoLog: true, NoSigs: true})
	if err != nil {
		s.t.Fatalf("nats-server: %v", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		s.t.Fatal("nats-server did not start")
	}
	s.srv = srv
	s.port = srv.Addr().(*net.TCPAddr).Port
}

// Stop shuts the server down.
func (s *Server) Stop() {
	if s.srv != nil {
		s.srv.Shutdown()
		s.srv.WaitForShutdown()
		s.srv = nil
	}
}

// Restart shuts the server down, so every client loses its connection, and
// starts a new one on the same port.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	time.Sleep(100 * time.Millisecond) // the clients notice the outage
	s.startServer()
}

// URL is the server's nats:// URL.
func (s *Server) URL() string { return s.srv.ClientURL() }
