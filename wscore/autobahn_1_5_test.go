package wscore

import (
	"bytes"
	"fmt"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
)

// Frame builders for the case tables.
func tframe(p string) wstest.Frame { return wstest.Text(p) }
func bframe(p []byte) wstest.Frame { return wstest.Binary(p) }
func frag(op byte, fin bool, p string) wstest.Frame {
	return wstest.Frame{Fin: fin, Op: op, Payload: []byte(p)}
}
func rsv(f wstest.Frame, bits byte) wstest.Frame { f.Rsv = bits; return f }
func opframe(op byte, p string) wstest.Frame {
	return wstest.Frame{Fin: true, Op: op, Payload: []byte(p)}
}

// sendFrames sends frames whole, one write each.
func sendFrames(fs ...wstest.Frame) func(*abClient) error {
	return func(c *abClient) error {
		for _, f := range fs {
			if err := c.frame(f); err != nil {
				return err
			}
		}
		return nil
	}
}

// sendChopped sends frames in pieces of n bytes each.
func sendChopped(n int, fs ...wstest.Frame) func(*abClient) error {
	return func(c *abClient) error {
		for _, f := range fs {
			if err := c.chopped(f, n); err != nil {
				return err
			}
		}
		return nil
	}
}

// sendOneWrite sends all frames in a single TCP write ("one chop").
func sendOneWrite(fs ...wstest.Frame) func(*abClient) error {
	return func(c *abClient) error {
		var b []byte
		for _, f := range fs {
			b = append(b, c.EncodeFrame(f)...)
		}
		_, err := c.Conn.Write(b)
		return err
	}
}

// clean is the expectation of the client-initiated clean close.
func clean(tc abCase) abCase {
	tc.clientCloses, tc.codes, tc.requireClean = true, []int{1000}, true
	return tc
}

// fails is the expectation that the server fails the connection with code.
func fails(tc abCase, codes ...int) abCase {
	tc.clientCloses, tc.codes = false, codes
	return tc
}

var (
	star    = []byte("*")
	hello   = "Hello, world!"
	helloB  = []byte(hello)
	binFE   = []byte{0xFE}
	binMix  = []byte{0x00, 0xFF, 0xFE, 0xFD, 0xFC, 0xFB, 0x00, 0xFF}
	fragStr = func(i int) string { return fmt.Sprintf("fragment%d", i) }
)

// Section 1: framing of text and binary messages of every length class.
func autobahnSection1() []abCase {
	var cases []abCase
	sizes := []int{0, 125, 126, 127, 128, 65535, 65536, 65536}
	for i, n := range sizes {
		p := bytes.Repeat(star, n)
		text := wstest.Frame{Fin: true, Op: wstest.OpText, Payload: p}
		if i == 7 {
			cases = append(cases, clean(abCase{id: "1.1.8", send: sendChopped(997, text), expect: []abEvent{msgText(p)}}))
		} else {
			cases = append(cases, clean(abCase{id: fmt.Sprintf("1.1.%d", i+1), send: sendFrames(text), expect: []abEvent{msgText(p)}}))
		}
		b := bytes.Repeat(binFE, n)
		send := sendFrames(bframe(b))
		if i == 7 {
			send = sendChopped(997, bframe(b))
		}
		cases = append(cases, clean(abCase{id: fmt.Sprintf("1.2.%d", i+1), send: send, expect: []abEvent{msgBinary(b)}}))
	}
	return cases
}

// Section 2: pings and pongs.
func autobahnSection2() []abCase {
	var pings10 []wstest.Frame
	var pongs10 []abEvent
	for i := 0; i < 10; i++ {
		p := []byte(fmt.Sprintf("payload-%d", i))
		pings10 = append(pings10, wstest.Ping(p))
		pongs10 = append(pongs10, pong(p))
	}
	unsolicited := []byte("unsolicited pong payload")
	return []abCase{
		clean(abCase{id: "2.1", send: sendFrames(wstest.Ping(nil)), expect: []abEvent{pong([]byte{})}}),
		clean(abCase{id: "2.2", send: sendFrames(wstest.Ping(helloB)), expect: []abEvent{pong(helloB)}}),
		clean(abCase{id: "2.3", send: sendFrames(wstest.Ping(binMix)), expect: []abEvent{pong(binMix)}}),
		clean(abCase{id: "2.4", send: sendFrames(wstest.Ping(bytes.Repeat(binFE, 125))), expect: []abEvent{pong(bytes.Repeat(binFE, 125))}}),
		fails(abCase{id: "2.5", send: sendFrames(wstest.Ping(bytes.Repeat(binFE, 126)))}, 1002),
		clean(abCase{id: "2.6", send: sendChopped(1, wstest.Ping(bytes.Repeat(binFE, 125))), expect: []abEvent{pong(bytes.Repeat(binFE, 125))}}),
		clean(abCase{id: "2.7", send: func(c *abClient) error {
			if err := c.frame(wstest.Pong(nil)); err != nil {
				return err
			}
			return c.close(closePayload(1000, ""))
		}}),
		clean(abCase{id: "2.8", send: func(c *abClient) error {
			if err := c.frame(wstest.Pong(unsolicited)); err != nil {
				return err
			}
			return c.close(closePayload(1000, ""))
		}}),
		clean(abCase{id: "2.9", send: sendFrames(wstest.Pong(unsolicited), wstest.Ping([]byte("ping payload"))), expect: []abEvent{pong([]byte("ping payload"))}}),
		clean(abCase{id: "2.10", send: sendFrames(pings10...), expect: pongs10}),
		clean(abCase{id: "2.11", send: sendChopped(1, pings10...), expect: pongs10}),
	}
}

// Section 3: reserved bits fail the connection with 1002; a valid message
// before the bad frame is still echoed, and the ping after it is not answered.
func autobahnSection3() []abCase {
	echoThenBad := func(bits byte, send func(...wstest.Frame) func(*abClient) error) func(*abClient) error {
		return send(tframe(hello), rsv(tframe(hello), bits), wstest.Ping(nil))
	}
	return []abCase{
		fails(abCase{id: "3.1", send: sendFrames(rsv(tframe(hello), 1))}, 1002),
		fails(abCase{id: "3.2", send: echoThenBad(2, sendFrames), expect: []abEvent{msgText(helloB)}}, 1002),
		fails(abCase{id: "3.3", send: echoThenBad(3, sendFrames), expect: []abEvent{msgText(helloB)}}, 1002),
		fails(abCase{id: "3.4", send: echoThenBad(4, func(fs ...wstest.Frame) func(*abClient) error { return sendChopped(1, fs...) }), expect: []abEvent{msgText(helloB)}}, 1002),
		fails(abCase{id: "3.5", send: sendFrames(rsv(bframe(binMix), 5))}, 1002),
		fails(abCase{id: "3.6", send: sendFrames(rsv(bframe(helloB), 6))}, 1002),
		fails(abCase{id: "3.7", send: sendFrames(rsv(opframe(wstest.OpClose, ""), 7))}, 1002),
	}
}

// Section 4: reserved opcodes fail the connection with 1002.
func autobahnSection4() []abCase {
	var cases []abCase
	for i, op := range []byte{3, 4, 5, 6, 7} {
		cases = append(cases, opcodeCase(fmt.Sprintf("4.1.%d", i+1), i, op))
	}
	for i, op := range []byte{11, 12, 13, 14, 15} {
		cases = append(cases, opcodeCase(fmt.Sprintf("4.2.%d", i+1), i, op))
	}
	return cases
}

// opcodeCase builds the five shapes of 4.1.x and 4.2.x.
func opcodeCase(id string, shape int, op byte) abCase {
	switch shape {
	case 0:
		return fails(abCase{id: id, send: sendFrames(opframe(op, ""))}, 1002)
	case 1:
		return fails(abCase{id: id, send: sendFrames(opframe(op, "reserved opcode payload"))}, 1002)
	case 2:
		return fails(abCase{id: id, send: sendFrames(tframe(hello), opframe(op, ""), wstest.Ping(nil)), expect: []abEvent{msgText(helloB)}}, 1002)
	case 3:
		return fails(abCase{id: id, send: sendFrames(tframe(hello), opframe(op, hello), wstest.Ping(nil)), expect: []abEvent{msgText(helloB)}}, 1002)
	default:
		return fails(abCase{id: id, send: sendChopped(1, tframe(hello), opframe(op, hello), wstest.Ping(nil)), expect: []abEvent{msgText(helloB)}}, 1002)
	}
}

// Section 5: fragmentation.
func autobahnSection5() []abCase {
	const T, C, B = wstest.OpText, wstest.OpContinuation, wstest.OpBinary
	_ = B
	f12 := []wstest.Frame{frag(T, false, fragStr(1)), frag(C, true, fragStr(2))}
	f1p2 := []wstest.Frame{frag(T, false, fragStr(1)), wstest.Ping([]byte("ping payload")), frag(C, true, fragStr(2))}
	msg12 := msgText([]byte("fragment1fragment2"))
	nonCont := func(fin bool) []wstest.Frame {
		return []wstest.Frame{frag(C, fin, "non-continuation payload"), tframe(hello)}
	}
	repeated := func(fin bool) []wstest.Frame {
		one := []wstest.Frame{frag(C, fin, fragStr(1)), frag(T, false, fragStr(2)), frag(C, true, fragStr(3))}
		return append(one, one...)
	}
	// 5.19/5.20: a fragmented message with pings, paused for a second in the
	// middle: the first pong must come before the message is complete. 5.19
	// sends each part as Autobahn does without sync (the frames of a part
	// leave in one write); 5.20 with sync=True, every frame on its own, with
	// a pause so each arrives in a segment of its own.
	withPause := func(sync bool) func(c *abClient) error {
		return func(c *abClient) error { return sendWithPause(c, sync) }
	}
	pauseExpect := []abEvent{pong([]byte("pongme 1!")), pong([]byte("pongme 2!")), msgText([]byte("fragment1fragment2fragment3fragment4fragment5"))}
	return []abCase{
		fails(abCase{id: "5.1", send: sendFrames(frag(wstest.OpPing, false, fragStr(1)), frag(C, true, fragStr(2)))}, 1002),
		fails(abCase{id: "5.2", send: sendFrames(frag(wstest.OpPong, false, fragStr(1)), frag(C, true, fragStr(2)))}, 1002),
		// 5.3 sends both frames without sync (one write), 5.4 frame-wise.
		clean(abCase{id: "5.3", send: sendOneWrite(f12...), expect: []abEvent{msg12}}),
		clean(abCase{id: "5.4", send: sendFrames(f12...), expect: []abEvent{msg12}}),
		clean(abCase{id: "5.5", send: sendChopped(1, f12...), expect: []abEvent{msg12}}),
		clean(abCase{id: "5.6", send: sendOneWrite(f1p2...), expect: []abEvent{pong([]byte("ping payload")), msg12}}),
		clean(abCase{id: "5.7", send: sendFrames(f1p2...), expect: []abEvent{pong([]byte("ping payload")), msg12}}),
		clean(abCase{id: "5.8", send: sendChopped(1, f1p2...), expect: []abEvent{pong([]byte("ping payload")), msg12}}),
		fails(abCase{id: "5.9", send: sendOneWrite(nonCont(true)...)}, 1002),
		fails(abCase{id: "5.10", send: sendFrames(nonCont(true)...)}, 1002),
		fails(abCase{id: "5.11", send: sendChopped(1, nonCont(true)...)}, 1002),
		fails(abCase{id: "5.12", send: sendOneWrite(nonCont(false)...)}, 1002),
		fails(abCase{id: "5.13", send: sendFrames(nonCont(false)...)}, 1002),
		fails(abCase{id: "5.14", send: sendChopped(1, nonCont(false)...)}, 1002),
		fails(abCase{id: "5.15", send: sendOneWrite(frag(T, false, fragStr(1)), frag(C, true, fragStr(2)), frag(C, false, fragStr(3)), frag(T, true, fragStr(4))), expect: []abEvent{msg12}}, 1002),
		fails(abCase{id: "5.16", send: sendOneWrite(repeated(false)...)}, 1002),
		fails(abCase{id: "5.17", send: sendOneWrite(repeated(true)...)}, 1002),
		fails(abCase{id: "5.18", send: sendOneWrite(frag(T, false, fragStr(1)), frag(T, true, fragStr(2)))}, 1002),
		clean(abCase{id: "5.19", send: withPause(false), expect: pauseExpect, wait: 3 * time.Second}),
		clean(abCase{id: "5.20", send: withPause(true), expect: pauseExpect, wait: 3 * time.Second}),
	}
}

// sendSynced sends each frame in a write of its own and pauses after it, as
// Autobahn's sync=True pushes every frame onto the wire separately.
func sendSynced(fs ...wstest.Frame) func(*abClient) error {
	return func(c *abClient) error {
		for _, f := range fs {
			if err := c.frame(f); err != nil {
				return err
			}
			time.Sleep(5 * time.Millisecond)
		}
		return nil
	}
}

// sendWithPause is 5.19 (sync false) and 5.20 (sync true).
func sendWithPause(c *abClient, sync bool) error {
	const T, C = wstest.OpText, wstest.OpContinuation
	send := sendOneWrite
	if sync {
		send = sendSynced
	}
	part1 := []wstest.Frame{frag(T, false, fragStr(1)), frag(C, false, fragStr(2)), wstest.Ping([]byte("pongme 1!"))}
	if err := send(part1...)(c); err != nil {
		return err
	}
	// The pong must arrive during the pause.
	f, err := c.ReadFrame(time.Second)
	if err != nil {
		return failCase("no pong during the pause: %v", err)
	}
	if f.Op != wstest.OpPong {
		return failCase("got opcode %d during the pause, want a pong", f.Op)
	}
	c.events = append(c.events, pong(f.Payload))
	part2 := []wstest.Frame{frag(C, false, fragStr(3)), frag(C, false, fragStr(4)), wstest.Ping([]byte("pongme 2!")), frag(C, true, fragStr(5))}
	return send(part2...)(c)
}
