package wscore

import (
	"bytes"
	"fmt"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
)

// Section 7: the closing handshake.
func autobahnSection7() []abCase {
	const T, C = wstest.OpText, wstest.OpContinuation
	helloWorld := []byte("Hello World!")
	close1000 := closePayload(1000, "")
	closeThen := func(after ...wstest.Frame) func(*abClient) error {
		return func(c *abClient) error {
			if err := c.close(close1000); err != nil {
				return err
			}
			for _, f := range after {
				if err := c.frame(f); err != nil {
					return err
				}
			}
			return nil
		}
	}
	closeWith := func(payload []byte) func(*abClient) error {
		return func(c *abClient) error { return c.close(payload) }
	}
	clientClose := func(id string, payload []byte, codes []int, requireClean bool) abCase {
		return abCase{id: id, send: closeWith(payload), clientCloses: true, codes: codes, requireClean: requireClean}
	}
	big := repeatTo([]byte("BAsd7&jh23"), 256<<10)

	cases := []abCase{
		clean(abCase{id: "7.1.1", send: sendFrames(wstest.Text(string(helloWorld))), expect: []abEvent{msgText(helloWorld)}}),
		clean(abCase{id: "7.1.2", send: closeThen(opframe(wstest.OpClose, ""))}),
		clean(abCase{id: "7.1.3", send: closeThen(wstest.Ping(nil))}),
		clean(abCase{id: "7.1.4", send: closeThen(wstest.Text(string(helloWorld)))}),
		clean(abCase{id: "7.1.5", send: func(c *abClient) error {
			if err := c.frame(frag(T, false, "fragment1")); err != nil {
				return err
			}
			if err := c.close(close1000); err != nil {
				return err
			}
			return c.frame(frag(C, true, "fragment2"))
		}}),
		// 7.1.6 is informational in Autobahn; this engine processes both messages
		// before the close, in order, and then closes cleanly.
		clean(abCase{id: "7.1.6", send: func(c *abClient) error {
			if err := c.frame(wstest.Frame{Fin: true, Op: T, Payload: big}); err != nil {
				return err
			}
			if err := c.frame(wstest.Text(string(helloWorld))); err != nil {
				return err
			}
			if err := c.close(close1000); err != nil {
				return err
			}
			return c.frame(wstest.Ping(nil))
		}, expect: []abEvent{msgText(big), msgText(helloWorld)}}),

		clientClose("7.3.1", nil, []int{1000}, true),
		clientClose("7.3.2", []byte("a"), []int{1002}, false),
		clientClose("7.3.3", close1000, []int{1000}, true),
		clientClose("7.3.4", closePayload(1000, "Hello World!"), []int{1000}, true),
		clientClose("7.3.5", closePayload(1000, string(bytes.Repeat(star, 123))), []int{1000}, true),
		clientClose("7.3.6", closePayload(1000, string(bytes.Repeat(star, 124))), []int{1002}, false),
		clientClose("7.5.1", append(closePayload(1000, ""), mustHex("cebae1bdb9cf83cebcceb5eda080656469746564")...), []int{1002, 1007}, false),
	}
	for i, code := range []int{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999} {
		cases = append(cases, clientClose(fmt.Sprintf("7.7.%d", i+1), closePayload(code, ""), []int{1000, code}, true))
	}
	for i, code := range []int{0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999} {
		raw := []byte{byte(code >> 8), byte(code)} // code 0 too: two zero bytes
		cases = append(cases, clientClose(fmt.Sprintf("7.9.%d", i+1), raw, []int{1002}, false))
	}
	// 7.13 is informational in Autobahn; codes of 5000 and above are invalid,
	// so this engine answers with 1002.
	cases = append(cases,
		clientClose("7.13.1", closePayload(5000, ""), []int{1002}, false),
		clientClose("7.13.2", closePayload(65535, ""), []int{1002}, false),
	)
	return cases
}

// Section 9: limits and performance: large messages, many fragments, chopped
// writes and sequential round trips. Contents are compared in full (Autobahn
// checks only type and length).
func autobahnSection9() []abCase {
	const T, B = wstest.OpText, wstest.OpBinary
	textPat, binPat := []byte("BAsd7&jh23"), []byte{0x00, 0xfe, 0x23, 0xfa, 0xf0}
	sizes := []int{64 << 10, 256 << 10, 1 << 20, 4 << 20, 8 << 20, 16 << 20}
	wait := 60 * time.Second
	var cases []abCase
	for i, n := range sizes {
		tp, bp := repeatTo(textPat, n), repeatTo(binPat, n)
		cases = append(cases,
			clean(abCase{id: fmt.Sprintf("9.1.%d", i+1), send: sendFrames(wstest.Frame{Fin: true, Op: T, Payload: tp}), expect: []abEvent{msgText(tp)}, wait: wait}),
			clean(abCase{id: fmt.Sprintf("9.2.%d", i+1), send: sendFrames(wstest.Frame{Fin: true, Op: B, Payload: bp}), expect: []abEvent{msgBinary(bp)}, wait: wait}),
		)
	}
	fourMiB := bytes.Repeat(star, 4<<20)
	for i, f := range []int{64, 256, 1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20} {
		f := f
		cases = append(cases,
			clean(abCase{id: fmt.Sprintf("9.3.%d", i+1), send: func(c *abClient) error { return c.messageBuffered(T, fourMiB, f) }, expect: []abEvent{msgText(fourMiB)}, wait: wait}),
		)
		// As in the suite's own code: case9_4_1 sends 0xFE bytes, cases
		// 9.4.2-9.4.9 send "*" bytes, all as binary messages (their
		// descriptions say only "binary message").
		bin := fourMiB
		if i == 0 {
			bin = bytes.Repeat(binFE, 4<<20)
		}
		cases = append(cases,
			clean(abCase{id: fmt.Sprintf("9.4.%d", i+1), send: func(c *abClient) error { return c.messageBuffered(B, bin, f) }, expect: []abEvent{msgBinary(bin)}, wait: wait}),
		)
	}
	for i, chop := range []int{64, 128, 256, 512, 1024, 2048} {
		tp, bp := repeatTo(textPat, 1<<20), repeatTo(binPat, 1<<20)
		cases = append(cases,
			clean(abCase{id: fmt.Sprintf("9.5.%d", i+1), send: choppedNoDelay(chop, wstest.Frame{Fin: true, Op: T, Payload: tp}), expect: []abEvent{msgText(tp)}, wait: wait}),
			clean(abCase{id: fmt.Sprintf("9.6.%d", i+1), send: choppedNoDelay(chop, wstest.Frame{Fin: true, Op: B, Payload: bp}), expect: []abEvent{msgBinary(bp)}, wait: wait}),
		)
	}
	for i, n := range []int{0, 16, 64, 256, 1024, 4096} {
		cases = append(cases,
			clean(abCase{id: fmt.Sprintf("9.7.%d", i+1), send: roundTrips(T, bytes.Repeat(star, n), 1000), expect: repeatEvent(msgText(bytes.Repeat(star, n)), 1000), wait: wait}),
			clean(abCase{id: fmt.Sprintf("9.8.%d", i+1), send: roundTrips(B, bytes.Repeat(binFE, n), 1000), expect: repeatEvent(msgBinary(bytes.Repeat(binFE, n)), 1000), wait: wait}),
		)
	}
	return cases
}

// Section 10: a 64 KiB text message auto-fragmented by the client into 1300-byte
// frames is echoed whole.
func autobahnSection10() []abCase {
	p := bytes.Repeat(star, 65536)
	return []abCase{
		clean(abCase{id: "10.1.1", send: func(c *abClient) error { return c.message(wstest.OpText, p, 1300) }, expect: []abEvent{msgText(p)}, wait: 10 * time.Second}),
	}
}

// messageBuffered is message with all frames in one write (fragments of 64
// bytes would otherwise take 65536 system calls).
func (c *abClient) messageBuffered(op byte, p []byte, size int) error {
	var b []byte
	for first := true; len(p) > 0; first = false {
		n := min(size, len(p))
		fop := byte(wstest.OpContinuation)
		if first {
			fop = op
		}
		b = append(b, c.EncodeFrame(wstest.Frame{Fin: n == len(p), Op: fop, Payload: p[:n]})...)
		p = p[n:]
	}
	_, err := c.Conn.Write(b)
	return err
}

func choppedNoDelay(n int, f wstest.Frame) func(*abClient) error {
	return func(c *abClient) error { return c.WriteChopped(f, n, 0) }
}

// roundTrips sends a message and waits for its echo, n times (9.7, 9.8).
func roundTrips(op byte, p []byte, n int) func(*abClient) error {
	return func(c *abClient) error {
		for i := 0; i < n; i++ {
			if err := c.frame(wstest.Frame{Fin: true, Op: op, Payload: p}); err != nil {
				return err
			}
			gop, got, _, err := c.ReadMessage(5 * time.Second)
			if err != nil {
				return failCase("round trip %d: %v", i, err)
			}
			c.events = append(c.events, abEvent{kind: "message", payload: got, binary: gop == wstest.OpBinary})
		}
		return nil
	}
}

func repeatEvent(e abEvent, n int) []abEvent {
	out := make([]abEvent, n)
	for i := range out {
		out[i] = e
	}
	return out
}
