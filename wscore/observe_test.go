package wscore

import (
	"bytes"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
)

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// LogFrames and LogOctets log at debug level, never at info.
func TestLogFramesAtDebugOnly(t *testing.T) {
	t.Parallel()
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		var buf syncBuffer
		logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: level}))
		ts := startServer(t, Options{LogFrames: true, LogOctets: true, Logger: logger})
		c := dialRaw(t, ts)
		c.WriteFrame(wstest.Text("log me"))
		c.ReadMessage(2 * time.Second)
		c.WriteFrame(wstest.CloseFrame(1000, ""))
		c.WaitClosed(2 * time.Second)
		c.Close()
		ts.nextClose(t)
		out := buf.String()
		// The echoed text frame (opcode 1) is logged going out, not only the
		// close frame; octets are logged both ways.
		framed := strings.Contains(out, "websocket frame") && strings.Contains(out, "dir=recv") &&
			regexp.MustCompile(`websocket frame" dir=send .*opcode=1 `).MatchString(out)
		octets := regexp.MustCompile(`websocket octets" dir=recv`).MatchString(out) &&
			regexp.MustCompile(`websocket octets" dir=send`).MatchString(out)
		if level == slog.LevelInfo && (strings.Contains(out, "websocket frame") || octets) {
			t.Errorf("frames logged at info level:\n%s", out)
		}
		if level == slog.LevelDebug && (!framed || !octets) {
			t.Errorf("frames/octets missing at debug level:\n%s", out)
		}
	}
}

// TrackTimings fills Timings with ordered, non-zero milestones.
func TestTimings(t *testing.T) {
	t.Parallel()
	got := make(chan Timings, 1)
	s, err := NewServer(func() ServerProtocol { return &timingsProtocol{got: got} }, Options{TrackTimings: true})
	if err != nil {
		t.Fatal(err)
	}
	ts := serve(t, s, nil)
	c := dialRaw(t, ts)
	c.WriteFrame(wstest.Text("one"))
	c.ReadMessage(2 * time.Second)
	c.WriteFrame(wstest.CloseFrame(1000, ""))
	c.WaitClosed(2 * time.Second)
	c.Close()
	tm := <-got
	seq := []time.Time{tm.HandshakeStart, tm.HandshakeEnd, tm.Opened, tm.FirstMessageIn, tm.FirstMessageOut, tm.CloseStart, tm.CloseEnd}
	for i, v := range seq {
		if v.IsZero() {
			t.Fatalf("milestone %d is zero: %+v", i, tm)
		}
		if i > 0 && v.Before(seq[i-1]) {
			t.Fatalf("milestone %d before %d: %+v", i, i-1, tm)
		}
	}
	// Off by default.
	var plain Conn
	if (plain.Timings() != Timings{}) {
		t.Error("timings recorded without TrackTimings")
	}
}

type timingsProtocol struct {
	echoProtocol
	got chan Timings
}

func (p *timingsProtocol) OnClose(c *Conn, wasClean bool, code int, reason string) {
	p.got <- c.Timings()
}
