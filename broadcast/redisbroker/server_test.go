package redisbroker

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

// redisServer is a redis-server this test started on a loopback port, with
// persistence off; it is killed by PID when the test ends.
type redisServer struct {
	t    testing.TB
	Addr string
	port int
	cmd  *exec.Cmd
	log  *bytes.Buffer
}

// startRedis starts a redis-server on a free loopback port, or skips the test
// when it is not installed (fails under CI=true).
func startRedis(t testing.TB) *redisServer {
	t.Helper()
	_, err := os.Stat(redisServerPath)
	wstest.NeedPeer(t, err == nil, "redis-server (Debian redis-server)", "apt-get install -y redis-server")
	s := &redisServer{t: t, port: freePort(t)}
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
	s.start()
	t.Cleanup(s.stop)
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

func (s *redisServer) start() {
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
	c := s.client()
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
			s.stop()
			s.t.Fatalf("redis-server on %s did not answer: %v\n%s", s.Addr, err, s.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop kills this server's process (by its PID) and waits for it.
func (s *redisServer) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
	s.cmd = nil
}

// restart stops the server and starts it again on the same port.
func (s *redisServer) restart() {
	s.t.Helper()
	s.stop()
	s.start()
}

func (s *redisServer) URL() string { return "redis://" + s.Addr }

// client is a plain go-redis client for the test's own commands.
func (s *redisServer) client() *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr:                     s.Addr,
		DisableIdentity:          true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	})
}

// killPubSub drops every subscriber connection: CLIENT KILL TYPE pubsub.
func (s *redisServer) killPubSub(t testing.TB) {
	t.Helper()
	c := s.client()
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

func (s *redisServer) String() string { return fmt.Sprintf("redis-server %s", s.Addr) }
