package wscore

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
)

// recMsg is a message a recording client received.
type recMsg struct {
	payload  []byte
	isBinary bool
}

// recClient is a client protocol that records everything on channels.
type recClient struct {
	BaseClientProtocol
	connect func(*ConnectionResponse) error
	onOpen  func(*Conn)
	opened  chan *Conn
	msgs    chan recMsg
	closed  chan closeInfo
	resp    chan *ConnectionResponse
}

func newRecClient() *recClient {
	return &recClient{
		opened: make(chan *Conn, 1),
		msgs:   make(chan recMsg, 64),
		closed: make(chan closeInfo, 1),
		resp:   make(chan *ConnectionResponse, 1),
	}
}

func (p *recClient) factory() ClientProtocol { return p }

func (p *recClient) OnConnect(r *ConnectionResponse) error {
	p.resp <- r
	if p.connect != nil {
		return p.connect(r)
	}
	return nil
}

func (p *recClient) OnOpen(c *Conn) {
	p.opened <- c
	if p.onOpen != nil {
		p.onOpen(c)
	}
}

func (p *recClient) OnMessage(c *Conn, payload []byte, isBinary bool) {
	p.msgs <- recMsg{payload, isBinary}
}

func (p *recClient) OnClose(c *Conn, wasClean bool, code int, reason string) {
	p.closed <- closeInfo{wasClean: wasClean, code: code, reason: reason}
}

func (p *recClient) nextMsg(t testing.TB, timeout time.Duration) recMsg {
	t.Helper()
	select {
	case m := <-p.msgs:
		return m
	case ci := <-p.closed:
		t.Fatalf("connection closed while waiting for a message: %+v", ci)
	case <-time.After(timeout):
		t.Fatalf("no message within %v", timeout)
	}
	return recMsg{}
}

func (p *recClient) nextClose(t testing.TB, timeout time.Duration) closeInfo {
	t.Helper()
	select {
	case ci := <-p.closed:
		return ci
	case <-time.After(timeout):
		t.Fatalf("OnClose was not called within %v", timeout)
	}
	return closeInfo{}
}

// dialT dials with a bounded context and fails the test on error. The
// connection is closed at the end of the test if still open.
func dialT(t testing.TB, url string, p *recClient, opts *ClientOptions) *Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, url, p.factory, opts)
	if err != nil {
		t.Fatalf("Dial(%s): %v", url, err)
	}
	t.Cleanup(func() {
		c.Close()
		select {
		case <-c.Done():
		case <-time.After(10 * time.Second):
			t.Errorf("client connection did not end")
		}
	})
	return c
}

// clientPayload returns n bytes of deterministic content: printable ASCII for text
// (valid UTF-8), every byte value for binary.
func clientPayload(n int, binary bool) []byte {
	b := make([]byte, n)
	for i := range b {
		if binary {
			b[i] = byte(i * 7 % 251)
		} else {
			b[i] = byte('a' + i%26)
		}
	}
	return b
}

// clientRoundTrip sends n bytes of clientPayload and checks that the echo
// comes back unchanged.
func clientRoundTrip(t testing.TB, c *Conn, p *recClient, n int, binary bool) {
	t.Helper()
	roundTripMsg(t, c, p, clientPayload(n, binary), binary)
}

// roundTripMsg sends msg and checks that its echo comes back byte for byte.
func roundTripMsg(t testing.TB, c *Conn, p *recClient, msg []byte, binary bool) {
	t.Helper()
	if err := c.SendMessage(msg, binary); err != nil {
		t.Fatalf("send %d bytes: %v", len(msg), err)
	}
	got := p.nextMsg(t, 60*time.Second)
	if got.isBinary != binary || !bytes.Equal(got.payload, msg) {
		t.Fatalf("echo of %d bytes (binary %v): got %d bytes (binary %v)", len(msg), binary, len(got.payload), got.isBinary)
	}
}

// rawServer is a TCP listener on loopback whose connections are handled by
// test code that speaks the protocol byte by byte (to misbehave on purpose).
type rawServer struct {
	ln   net.Listener
	URL  string
	Addr string
	wg   sync.WaitGroup
}

// startRawServer serves every connection with handle after reading the
// request head. Connections have a 10 s deadline; the server stops at the end
// of the test and waits for its handlers.
func startRawServer(t testing.TB, handle func(conn net.Conn, br *bufio.Reader, req *http.Request)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln, Addr: ln.Addr().String(), URL: "ws://" + ln.Addr().String() + "/"}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(10 * time.Second))
				br := bufio.NewReader(conn)
				req, err := http.ReadRequest(br)
				if err != nil {
					return
				}
				handle(conn, br, req)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

// response101 is a valid 101 answer to req, with extra header lines.
func response101(req *http.Request, extra ...string) string {
	var b strings.Builder
	b.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
	fmt.Fprintf(&b, "Sec-WebSocket-Accept: %s\r\n", wstest.AcceptFor(req.Header.Get("Sec-WebSocket-Key")))
	for _, h := range extra {
		b.WriteString(h)
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// frameConn reads and writes frames on the server side of a raw connection
// with the test's independent frame code (unmasked frames, as a server sends).
func frameConn(conn net.Conn, br *bufio.Reader) *wstest.RawClient {
	return &wstest.RawClient{Conn: conn, BR: br, Unmasked: true}
}
