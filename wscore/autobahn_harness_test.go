package wscore

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
)

// The Autobahn|Testsuite cannot run here (it needs Python 2 or Docker), so its
// server cases are reproduced from the published case descriptions: each case
// sends the same frames, expects the same events, and judges the close the way
// the suite does, but stricter where the engine's behaviour is fixed: a failed
// connection must send a close frame with an allowed code (FailByDrop is off),
// and the server must close TCP first.

// abEvent is something the test client receives: a whole message or a pong.
type abEvent struct {
	kind    string // "message" or "pong"
	payload []byte
	binary  bool
}

func (e abEvent) String() string {
	p := e.payload
	suffix := ""
	if len(p) > 32 {
		p, suffix = p[:32], fmt.Sprintf("...(%d bytes)", len(e.payload))
	}
	return fmt.Sprintf("%s(%q%s binary=%v)", e.kind, p, suffix, e.binary)
}

func msgText(p []byte) abEvent   { return abEvent{kind: "message", payload: p} }
func msgBinary(p []byte) abEvent { return abEvent{kind: "message", payload: p, binary: true} }
func pong(p []byte) abEvent      { return abEvent{kind: "pong", payload: p} }

// abCase is one Autobahn case.
type abCase struct {
	id string
	// send writes the case's frames; it may pause (continueLater) and may send
	// the client's own close frame (then clientClosed is set by the harness).
	send func(c *abClient) error
	// expect is the exact, ordered list of events the server must produce.
	expect []abEvent
	// lengthOnly compares messages by type and length (section 9).
	lengthOnly bool
	// clientCloses: the client starts the closing handshake (closedByMe True in
	// Autobahn's terms) once expect is met; otherwise the server must fail the
	// connection with one of codes.
	clientCloses bool
	codes        []int
	// requireClean: both close frames exchanged and TCP closed by the server.
	requireClean bool
	// wait bounds how long the client waits for the server (Autobahn's
	// killAfter / closeAfter).
	wait time.Duration
	// midFrame: the server fails inside a frame the client never finishes.
	midFrame bool
	// opts for the server (default: Options{} with a 64 MiB message limit).
	opts *Options
}

// abClient wraps the raw client with Autobahn's sending primitives.
type abClient struct {
	*wstest.RawClient
	closeSent bool // the client started or answered the closing handshake (close)
	// closePayload is the payload of the first close frame the client wrote,
	// by close or as one of a case's frames: the server takes even a
	// malformed close frame (3.7's, with RSV bits) for the client's close.
	closePayload []byte
	closeWritten bool
	events       []abEvent // events a send function recorded itself (9.7, 9.8)
}

// wrote notes a frame the client writes.
func (c *abClient) wrote(f wstest.Frame) {
	if f.Op == wstest.OpClose && !c.closeWritten {
		c.closeWritten, c.closePayload = true, f.Payload
	}
}

func (c *abClient) frame(f wstest.Frame) error {
	c.wrote(f)
	return c.WriteFrame(f)
}

// chopped sends a frame in pieces of n bytes (Autobahn's chopsize), with a
// short pause so the pieces arrive in separate segments.
func (c *abClient) chopped(f wstest.Frame, n int) error {
	c.wrote(f)
	return c.WriteChopped(f, n, 10*time.Microsecond)
}

// close sends the client's close frame with the given raw payload.
func (c *abClient) close(payload []byte) error {
	c.closeSent = true
	return c.frame(wstest.Frame{Fin: true, Op: wstest.OpClose, Payload: payload})
}

func closePayload(code int, reason string) []byte {
	return wstest.CloseFrame(code, reason).Payload
}

// message sends a message, fragmented into frames of size bytes when size > 0
// (Autobahn's sendMessage with fragmentSize).
func (c *abClient) message(op byte, p []byte, size int) error {
	if size <= 0 || len(p) <= size {
		return c.frame(wstest.Frame{Fin: true, Op: op, Payload: p})
	}
	for first := true; len(p) > 0; first = false {
		n := min(size, len(p))
		fop := byte(wstest.OpContinuation)
		if first {
			fop = op
		}
		if err := c.frame(wstest.Frame{Fin: n == len(p), Op: fop, Payload: p[:n]}); err != nil {
			return err
		}
		p = p[n:]
	}
	return nil
}

// runAutobahnCase plays one case against a fresh echo server and judges it.
func runAutobahnCase(t *testing.T, tc abCase) {
	t.Helper()
	opts := Options{MaxMessagePayloadSize: 64 << 20}
	if tc.opts != nil {
		opts = *tc.opts
	}
	ts := startServer(t, opts)
	raw, resp, err := wstest.Dial(ts.Addr, wstest.Handshake{})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if resp.StatusCode != 101 {
		t.Fatalf("handshake: status %d", resp.StatusCode)
	}
	c := &abClient{RawClient: raw}
	if tc.wait == 0 {
		tc.wait = 2 * time.Second
	}

	if err := tc.send(c); err != nil {
		var cf *caseFailure
		if errors.As(err, &cf) {
			t.Error(cf.msg)
		} else {
			t.Logf("client send: %v (the server may have failed the connection)", err)
		}
	}

	var (
		got          = c.events
		assembling   bool
		msgOp        byte
		msgBuf       []byte
		serverClose  *wstest.Frame
		tcpClosed    bool
		clientClosed = c.closeSent
	)
	deadline := time.Now().Add(tc.wait)
	matched := func() bool { return eventsEqual(got, tc.expect, tc.lengthOnly) }

	for serverClose == nil {
		// Autobahn's auto close: once the expected events arrived, the client
		// that is meant to close does so.
		if tc.clientCloses && !c.closeSent && matched() {
			if err := c.close(closePayload(1000, "")); err != nil {
				t.Fatalf("sending close: %v", err)
			}
			clientClosed = true
			deadline = time.Now().Add(time.Second)
		}
		f, err := c.ReadFrame(time.Until(deadline))
		if err != nil {
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				tcpClosed = true // EOF or reset: the server closed TCP
			}
			break
		}
		switch f.Op {
		case wstest.OpText, wstest.OpBinary, wstest.OpContinuation:
			if f.Op != wstest.OpContinuation {
				if assembling {
					t.Fatalf("server started a new message inside a fragmented one")
				}
				msgOp, msgBuf, assembling = f.Op, nil, true
			} else if !assembling {
				t.Fatalf("server sent a continuation frame without a message")
			}
			msgBuf = append(msgBuf, f.Payload...)
			if f.Fin {
				if msgBuf == nil {
					msgBuf = []byte{}
				}
				got = append(got, abEvent{kind: "message", payload: msgBuf, binary: msgOp == wstest.OpBinary})
				assembling = false
			}
		case wstest.OpPong:
			got = append(got, pong(f.Payload))
		case wstest.OpPing:
			c.frame(wstest.Pong(f.Payload))
		case wstest.OpClose:
			fc := f
			serverClose = &fc
			if !c.closeSent {
				c.close(closePayload(1000, "")) // the client answers the server's close
			}
			rest, werr := c.WaitClosed(1500 * time.Millisecond)
			tcpClosed = werr == nil
			if len(rest) > 0 {
				t.Errorf("%d bytes followed the server's close frame: %q", len(rest), rest[:min(len(rest), 32)])
			}
		default:
			t.Fatalf("server sent a frame with opcode %d", f.Op)
		}
	}

	if tcpClosed {
		c.Close() // as a real client does once the server has closed
	}

	// Judge the events.
	if !matched() {
		t.Errorf("events:\n got  %v\n want %v", got, tc.expect)
	}
	// Judge the close.
	if serverClose == nil {
		t.Fatalf("the server sent no close frame (tcp closed: %v)", tcpClosed)
	}
	code, reason := wstest.CloseCode(serverClose.Payload)
	if tc.clientCloses {
		if !clientClosed {
			t.Errorf("the server closed before the client did (code %d %q)", code, reason)
		}
		// A close frame without a body answers a normal close (Autobahn takes
		// it for 1000); where the case wants an error code, the code must be
		// there.
		switch {
		case len(serverClose.Payload) == 0 && !containsInt(tc.codes, CloseNormal):
			t.Errorf("server answered with an empty close frame, want one of %v", tc.codes)
		case len(serverClose.Payload) > 0 && !containsInt(tc.codes, code):
			t.Errorf("server's close code %d %q, want one of %v", code, reason, tc.codes)
		}
	} else {
		if clientClosed {
			t.Errorf("the client closed first: the server did not fail the connection")
		}
		if !containsInt(tc.codes, code) {
			t.Errorf("server's close code %d %q, want one of %v", code, reason, tc.codes)
		}
	}
	if !tcpClosed {
		t.Errorf("the server did not close the TCP connection within 1.5 s of the closing handshake")
	}
	// The server's view: OnClose exactly once, clean exactly when required.
	ci := ts.nextClose(t)
	if tc.requireClean && !ci.wasClean {
		t.Errorf("OnClose: wasClean false (%d %q), want a clean close", ci.code, ci.reason)
	}
	switch {
	case tc.clientCloses && tc.requireClean:
		// The peer's own code (1005 for a close frame without one); an
		// unclean close is reported just above.
		want, _ := wstest.CloseCode(c.closePayload)
		if ci.wasClean && ci.code != want {
			t.Errorf("OnClose after the client's close: %+v, want the client's code %d", ci, want)
		}
	case tc.clientCloses:
		// The client's close frame was malformed (7.3.2, 7.3.6, 7.5.1, 7.9.x,
		// 7.13.x): it still ends the client's side, so the handshake is
		// complete, but it has no usable code: 1005, and LocalClose holds the
		// failure code the server answered with.
		if !ci.wasClean || ci.code != CloseNoStatus || !containsInt(tc.codes, ci.localCode) {
			t.Errorf("OnClose after a malformed close: %+v, want clean 1005 and LocalClose one of %v", ci, tc.codes)
		}
	case !tc.clientCloses && tc.midFrame:
		// The client's answer arrives inside its own unfinished frame, which the
		// server cannot parse: unclean, with the failure code in LocalClose.
		if ci.wasClean || ci.code != CloseAbnormal || !containsInt(tc.codes, ci.localCode) {
			t.Errorf("OnClose after failing mid-frame: %+v, want unclean 1006 and LocalClose one of %v", ci, tc.codes)
		}
	case !tc.clientCloses:
		// The client answered the server's close (closePayload(1000, ""),
		// unless a case's own close frame went first): a completed handshake
		// with the client's code, and the failure code in LocalClose.
		want, _ := wstest.CloseCode(c.closePayload)
		if !ci.wasClean || ci.code != want || !containsInt(tc.codes, ci.localCode) {
			t.Errorf("OnClose after failing: %+v, want clean with the client's %d and LocalClose one of %v", ci, want, tc.codes)
		}
	}
	select {
	case extra := <-ts.closes:
		t.Errorf("OnClose called twice: %+v", extra)
	default:
	}
}

func eventsEqual(got, want []abEvent, lengthOnly bool) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.kind != w.kind || g.binary != w.binary {
			return false
		}
		if lengthOnly {
			if len(g.payload) != len(w.payload) {
				return false
			}
		} else if !bytes.Equal(g.payload, w.payload) {
			return false
		}
	}
	return true
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// repeatTo is Autobahn's payload_len: p repeated and cut to n bytes.
func repeatTo(p []byte, n int) []byte {
	out := bytes.Repeat(p, n/len(p)+1)
	return out[:n]
}

// caseFailure is a send function's verdict that the server misbehaved (as
// opposed to an I/O error after the server rightly closed).
type caseFailure struct{ msg string }

func (e *caseFailure) Error() string { return e.msg }

func failCase(format string, args ...any) error {
	return &caseFailure{msg: fmt.Sprintf(format, args...)}
}
