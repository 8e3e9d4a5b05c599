// Package redistest starts a real redis-server for tests: Debian's
// /usr/bin/redis-server on a free loopback port with persistence off, killed
// by its PID when the test ends. A test skips with a message when it is not
// installed, and fails under CI=true.
package redistest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/wsplug/wsplug/internal/wstest"
)

// redisServerPath is Debian's redis-server (package redis-server).
const redisServerPath = "/usr/bin/redis-server"

// Server is a redis-server this test started on a loopback port, with
// persistence off; it is killed by PID when the test ends.
type Server struct {
	t    testing.TB
	Addr string
	port int
	cmd  *exec.Cmd
	log  *bytes.Buffer
}

// Start starts a redis-server on a free loopback port, or skips the test
// when it is not installed (fails under CI=true).
func Start(t testing.TB) *Server {
	t.Helper()
	_, err := os.Stat(redisServerPath)
	wstest.NeedPeer(t, err == nil, "redis-server (Debian redis-server)", "apt-get install -y redis-server")
	s := &Server{t: t, port: freePort(t)}
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
	s.startProcess()
	t.Cleanup(s.Stop)
	return s
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func (s *Server) startProcess() {
	s.t.Helper()
	s.log = &bytes.Buffer{}
	s.cmd = exec.Command(redisServerPath,
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--protected-mode", "yes",
		"--dir", s.t.TempDir(), "--loglevel", "warning")
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("starting redis-server: %v", err)
	}
	c := s.Client()
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			s.Stop()
			s.t.Fatalf("redis-server on %s did not answer: %v\n%s", s.Addr, err, s.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills this server's process (by its PID) and waits for it.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
	s.cmd = nil
}

// Restart stops the server and starts it again on the same port.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.startProcess()
}

// URL is the server's redis:// URL.
func (s *Server) URL() string { return "redis://" + s.Addr }

// Client is a plain go-redis client for the test's own commands.
func (s *Server) Client() *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr:                     s.Addr,
		DisableIdentity:          true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	})
}

// KillPubSub drops every subscriber connection: CLIENT KILL TYPE pubsub.
func (s *Server) KillPubSub(t testing.TB) {
	t.Helper()
	c := s.Client()
	defer c.Close()
	n, err := c.Do(context.Background(), "CLIENT", "KILL", "TYPE", "pubsub").Int()
	if err != nil {
		t.Fatalf("CLIENT KILL TYPE pubsub: %v", err)
	}
	if n == 0 {
		t.Fatalf("CLIENT KILL TYPE pubsub killed no connection")
	}
	t.Logf("killed %d subscriber connections", n)
}

func (s *Server) String() string { return fmt.Sprintf("redis-server %s", s.Addr) }
