package wscore

import (
	"bytes"
	"errors"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
)

// TestOptionEffects shows the effect of the options not covered by a test of
// their own. The others: Versions, Subprotocols, AllowedOrigins, MaxConnections
// (TestOpeningHandshake, TestHandshakeRefusalsAreCounted); AllowUnmaskedClientFrames,
// MaskServerFrames (TestMaskingRules); DisableUTF8Validation
// (TestDisableUTF8Validation); MaxFramePayloadSize, MaxMessagePayloadSize
// (TestMessageLimits); OpenHandshakeTimeout (TestOpenHandshakeTimeoutCutsSlowClient);
// CloseHandshakeTimeout (TestCloseHandshakeTimeout); AutoPing*
// (TestAutoPing*); LogFrames, LogOctets, Logger (TestLogFramesAtDebugOnly);
// TrackTimings (TestTimings). DisableWebStatus and the Flash policy options
// are consumed by the adapters and tested there.
func TestOptionEffects(t *testing.T) {
	t.Parallel()

	t.Run("AutoFragmentSize", func(t *testing.T) {
		t.Parallel()
		ts := startServer(t, Options{AutoFragmentSize: 4})
		c := dialRaw(t, ts)
		c.WriteFrame(wstest.Text("0123456789"))
		var frames []wstest.Frame
		for {
			f, err := c.ReadFrame(2 * time.Second)
			if err != nil {
				t.Fatal(err)
			}
			frames = append(frames, f)
			if f.Fin {
				break
			}
		}
		if len(frames) != 3 || frames[0].Op != wstest.OpText || frames[1].Op != wstest.OpContinuation || string(frames[2].Payload) != "89" {
			t.Fatalf("frames %+v", frames)
		}
	})

	t.Run("FailByDrop", func(t *testing.T) {
		t.Parallel()
		ts := startServer(t, Options{FailByDrop: true})
		c := dialRaw(t, ts)
		c.WriteFrame(wstest.Frame{Fin: true, Op: 3})
		got, err := c.WaitClosed(2 * time.Second)
		if err != nil || len(got) != 0 {
			t.Fatalf("got %x %v, want a drop without a close frame", got, err)
		}
		if ci := ts.nextClose(t); ci.wasClean || ci.code != CloseAbnormal {
			t.Fatalf("OnClose %+v", ci)
		}
	})

	t.Run("EchoCloseCodeReason", func(t *testing.T) {
		t.Parallel()
		for _, echo := range []bool{false, true} {
			ts := startServer(t, Options{EchoCloseCodeReason: echo})
			c := dialRaw(t, ts)
			c.WriteFrame(wstest.CloseFrame(4001, "bye now"))
			f, err := c.ReadFrame(2 * time.Second)
			if err != nil || f.Op != wstest.OpClose {
				t.Fatalf("%+v %v", f, err)
			}
			code, reason := wstest.CloseCode(f.Payload)
			if echo && (code != 4001 || reason != "bye now") || !echo && (code != 1000 || reason != "") {
				t.Errorf("echo=%v: answered %d %q", echo, code, reason)
			}
		}
	})

	t.Run("WriteTimeout", func(t *testing.T) {
		t.Parallel()
		result := make(chan error, 1)
		ts, _ := startActing(t, Options{WriteTimeout: 200 * time.Millisecond}, func(c *Conn, p []byte) {
			big := make([]byte, 1<<20)
			for i := 0; i < 200; i++ { // far more than the socket buffers hold
				if err := c.SendMessage(big, true); err != nil {
					result <- err
					return
				}
			}
			result <- nil
		})
		c := dialRaw(t, ts)
		c.WriteFrame(wstest.Text("flood me")) // and never read
		select {
		case err := <-result:
			if !errors.Is(err, ErrWriteTimeout) {
				t.Fatalf("SendMessage to a peer that does not read: %v, want ErrWriteTimeout", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("SendMessage blocked beyond the write timeout")
		}
	})

	t.Run("DisableTCPNoDelay", func(t *testing.T) {
		t.Parallel()
		for _, disable := range []bool{false, true} {
			opened := make(chan *Conn, 1)
			s, err := NewServer(func() ServerProtocol { return &openNotifier{opened: opened} }, Options{DisableTCPNoDelay: disable})
			if err != nil {
				t.Fatal(err)
			}
			ts := serve(t, s, nil)
			dialRaw(t, ts)
			conn := <-opened
			v := tcpNoDelay(t, conn.conn)
			if v == disable {
				t.Errorf("DisableTCPNoDelay=%v: TCP_NODELAY=%v", disable, v)
			}
		}
	})

	t.Run("DisableApplyMask", func(t *testing.T) {
		t.Parallel()
		ts := startServer(t, Options{MaskServerFrames: true, DisableApplyMask: true, AllowUnmaskedClientFrames: true})
		c := dialRaw(t, ts)
		// The client's mask is not applied by the server either: send the
		// payload unXORed with a mask bit, as Autobahn's applyMask=False does.
		raw := wstest.EncodeFrame(wstest.Frame{Fin: true, Op: wstest.OpText, Payload: []byte("plain"), Masked: false})
		raw[1] |= 0x80
		raw = append(raw[:2], append([]byte{9, 9, 9, 9}, raw[2:]...)...)
		c.Conn.Write(raw)
		hdr := make([]byte, 2+4+5)
		c.Conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := c.BR.Read(hdr[:1]); err != nil {
			t.Fatal(err)
		}
		if _, err := readFull(c, hdr[1:]); err != nil {
			t.Fatal(err)
		}
		if hdr[1]&0x80 == 0 || !bytes.Equal(hdr[6:], []byte("plain")) {
			t.Fatalf("frame %x: want the mask bit and the payload as is", hdr)
		}
	})

	t.Run("ReadBufferSize and WriteBufferSize", func(t *testing.T) {
		t.Parallel()
		opened := make(chan *Conn, 1)
		s, err := NewServer(func() ServerProtocol { return &openNotifier{opened: opened} }, Options{ReadBufferSize: 1000, WriteBufferSize: 2000})
		if err != nil {
			t.Fatal(err)
		}
		ts := serve(t, s, nil)
		dialRaw(t, ts)
		conn := <-opened
		if conn.rpool.size != 1000 || conn.w.pool.size != 2000 {
			t.Errorf("buffer sizes %d and %d", conn.rpool.size, conn.w.pool.size)
		}
	})

	t.Run("Server", func(t *testing.T) {
		t.Parallel()
		ts := startServer(t, Options{Server: "my-app/2"})
		c, resp, err := wstest.Dial(ts.Addr, wstest.Handshake{})
		if err != nil || resp.Header.Get("Server") != "my-app/2" {
			t.Fatalf("Server header %q %v", resp.Header.Get("Server"), err)
		}
		c.Close()
	})

	t.Run("TrustXForwardedFor", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			trust int
			xff   string
			want  string
		}{
			{0, "1.1.1.1, 2.2.2.2", "127.0.0.1"},
			{1, "1.1.1.1, 2.2.2.2", "2.2.2.2"},
			{2, "1.1.1.1, 2.2.2.2", "1.1.1.1"},
			{2, "9.9.9.9, 1.1.1.1, 2.2.2.2", "1.1.1.1"}, // the client's own entry is never used
			{1, "", "127.0.0.1"},
		} {
			peers := make(chan string, 1)
			s, err := NewServer(func() ServerProtocol { return &peerProtocol{peers: peers} }, Options{TrustXForwardedFor: tc.trust})
			if err != nil {
				t.Fatal(err)
			}
			ts := serve(t, s, nil)
			h := http.Header{}
			if tc.xff != "" {
				h.Set("X-Forwarded-For", tc.xff)
			}
			c, _, err := wstest.Dial(ts.Addr, wstest.Handshake{Header: h})
			if err != nil {
				t.Fatal(err)
			}
			got := <-peers
			c.Close()
			if host, _, err := net.SplitHostPort(got); err == nil {
				got = host
			}
			if got != tc.want {
				t.Errorf("trust %d, X-Forwarded-For %q: peer %q, want %q", tc.trust, tc.xff, got, tc.want)
			}
		}
	})
}

type peerProtocol struct {
	BaseServerProtocol
	peers chan string
}

func (p *peerProtocol) OnOpen(c *Conn) { p.peers <- c.Peer() }

func readFull(c *wstest.RawClient, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		k, err := c.BR.Read(b[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func tcpNoDelay(t *testing.T, conn net.Conn) bool {
	t.Helper()
	sc, ok := conn.(syscall.Conn)
	if !ok {
		t.Fatal("not a socket")
	}
	raw, _ := sc.SyscallConn()
	var v int
	var gerr error
	raw.Control(func(fd uintptr) {
		v, gerr = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_NODELAY)
	})
	if gerr != nil {
		t.Fatal(gerr)
	}
	return v != 0
}
