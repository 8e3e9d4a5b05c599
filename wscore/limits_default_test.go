package wscore

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
)

// With MaxMessagePayloadSize left at zero, a message over the default 32 MiB
// is refused with 1009 from its frame header alone (nothing of it is sent),
// while one of exactly 32 MiB is being read, not refused.
func TestDefaultMessageLimit(t *testing.T) {
	t.Parallel()
	announce := func(op byte, n uint64) []byte {
		h := []byte{0x80 | op, 0x80 | 127}
		h = binary.BigEndian.AppendUint64(h, n)
		return append(h, 1, 2, 3, 4) // mask key; no payload follows
	}
	for _, op := range []byte{wstest.OpBinary, wstest.OpText} {
		ts := startServer(t, Options{})
		c := dialRaw(t, ts)
		c.Conn.Write(announce(op, DefaultMaxMessagePayloadSize+1))
		expectClose(t, c, CloseMessageTooBig)
		c.Close()
		if ci := ts.nextClose(t); ci.localCode != CloseMessageTooBig {
			t.Errorf("opcode %d: OnClose %+v, want LocalClose 1009", op, ci)
		}
	}

	ts := startServer(t, Options{})
	c := dialRaw(t, ts)
	c.Conn.Write(announce(wstest.OpBinary, DefaultMaxMessagePayloadSize))
	// Being read: nothing comes back, and the connection stays up until the
	// read times out (a dropped connection is a refusal too).
	f, err := c.ReadFrame(300 * time.Millisecond)
	if err == nil {
		t.Fatalf("a message of exactly the default limit was answered with %+v", f)
	}
	if !isTimeout(err) { // a net.Error whose Timeout() is true
		t.Fatalf("a message of exactly the default limit: the read ended with %v, want a timeout (the server still reading)", err)
	}
	c.Close()
	if ci := ts.nextClose(t); ci.code != CloseAbnormal || ci.localCode != 0 {
		t.Errorf("OnClose %+v, want 1006 with no close frame sent", ci)
	}
}
