package natsbroker

import (
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// natsServer is a nats-server embedded in the test process on a loopback
// port, which can be restarted on the same port.
type natsServer struct {
	t    testing.TB
	srv  *server.Server
	port int
}

func startNATS(t testing.TB) *natsServer {
	t.Helper()
	s := &natsServer{t: t, port: -1}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *natsServer) start() {
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

func (s *natsServer) stop() {
	if s.srv != nil {
		s.srv.Shutdown()
		s.srv.WaitForShutdown()
		s.srv = nil
	}
}

// restart shuts the server down, so every client loses its connection, and
// starts a new one on the same port.
func (s *natsServer) restart() {
	s.t.Helper()
	s.stop()
	time.Sleep(100 * time.Millisecond) // the clients notice the outage
	s.start()
}

func (s *natsServer) URL() string { return s.srv.ClientURL() }
