package wscore

import (
	"encoding/hex"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/wsplug/wsplug/internal/wstest"
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// Section 6: UTF-8 handling.
func autobahnSection6() []abCase {
	const T, C = wstest.OpText, wstest.OpContinuation
	a := mustHex("48656c6c6f2dc2b540c39fc3b6c3a4c3bcc3a0c3a12d5554462d382121") // Hello-µ@ßöäüàá-UTF-8!!
	k := mustHex("cebae1bdb9cf83cebcceb5")                                     // κόσμε
	x := mustHex("cebae1bdb9cf83cebcceb5eda080656469746564")                   // surrogate inside
	middle := []byte("middle frame payload")

	cases := []abCase{
		clean(abCase{id: "6.1.1", send: sendFrames(tframe("")), expect: []abEvent{msgText([]byte{})}}),
		clean(abCase{id: "6.1.2", send: sendFrames(frag(T, false, ""), frag(C, false, ""), frag(C, true, "")), expect: []abEvent{msgText([]byte{})}}),
		clean(abCase{id: "6.1.3", send: sendFrames(frag(T, false, ""), frag(C, false, string(middle)), frag(C, true, "")), expect: []abEvent{msgText(middle)}}),
		clean(abCase{id: "6.2.1", send: func(c *abClient) error { return c.message(T, a, 0) }, expect: []abEvent{msgText(a)}}),
		clean(abCase{id: "6.2.2", send: sendFrames(frag(T, false, string(a[:15])), frag(C, true, string(a[15:]))), expect: []abEvent{msgText(a)}}),
		clean(abCase{id: "6.2.3", send: func(c *abClient) error { return c.message(T, a, 1) }, expect: []abEvent{msgText(a)}}),
		clean(abCase{id: "6.2.4", send: func(c *abClient) error { return c.message(T, k, 1) }, expect: []abEvent{msgText(k)}}),
		fails(abCase{id: "6.3.1", send: func(c *abClient) error { return c.message(T, x, 0) }}, 1007),
		fails(abCase{id: "6.3.2", send: func(c *abClient) error { return c.message(T, x, 1) }}, 1007),
	}

	// 6.4: fail fast. The server must fail the connection as soon as the part
	// holding the invalid byte arrives: the client pauses after each part and the
	// close frame must be there before it sends the next one.
	f := mustHex("cebae1bdb9cf83cebcceb5f4908080656469746564")
	type parts struct{ p1, p2, p3 []byte }
	frames := func(ps parts) func(*abClient) error {
		return failFast(
			func(c *abClient) error { return c.frame(frag(T, false, string(ps.p1))) },
			func(c *abClient) error { return c.frame(frag(C, false, string(ps.p2))) },
			func(c *abClient) error { return c.frame(frag(C, true, string(ps.p3))) },
		)
	}
	// 6.4.3/6.4.4 cut one frame's payload into three writes.
	oneFrame := func(ps parts) func(*abClient) error {
		var key [4]byte = [4]byte{0x11, 0x22, 0x33, 0x44}
		payload := append(append(append([]byte{}, ps.p1...), ps.p2...), ps.p3...)
		enc := wstest.EncodeFrame(wstest.Frame{Fin: false, Op: T, Payload: payload, Masked: true, Key: key})
		hdr := len(enc) - len(payload)
		cut1, cut2 := hdr+len(ps.p1), hdr+len(ps.p1)+len(ps.p2)
		write := func(b []byte) func(*abClient) error {
			return func(c *abClient) error { _, err := c.Conn.Write(b); return err }
		}
		return failFast(write(enc[:cut1]), write(enc[cut1:cut2]), func(c *abClient) error {
			if _, err := c.Conn.Write(enc[cut2:]); err != nil {
				return err
			}
			return c.frame(frag(C, true, ""))
		})
	}
	p641 := parts{f[:11], f[11:15], f[15:]}
	p642 := parts{f[:12], f[12:13], f[13:]}
	cases = append(cases,
		fails(abCase{id: "6.4.1", send: frames(p641)}, 1007),
		fails(abCase{id: "6.4.2", send: frames(p642)}, 1007),
		fails(abCase{id: "6.4.3", send: oneFrame(p641), midFrame: true}, 1007),
		fails(abCase{id: "6.4.4", send: oneFrame(p642), midFrame: true}, 1007),
	)

	for _, u := range utf8Cases {
		p := mustHex(u.hex)
		if u.valid != utf8.Valid(p) {
			panic(fmt.Sprintf("utf8 table: %s marked valid=%v", u.id, u.valid))
		}
		send := func(c *abClient) error { return c.message(T, p, 0) }
		if u.valid {
			cases = append(cases, clean(abCase{id: u.id, send: send, expect: []abEvent{msgText(p)}}))
		} else {
			cases = append(cases, fails(abCase{id: u.id, send: send, wait: 500 * time.Millisecond}, 1007))
		}
	}
	return cases
}

// failFast sends part 1, checks the server stays quiet for a moment (part 1 is
// valid), sends part 2 and requires the server's answer (its close frame) before
// part 3 would be sent; part 3 then is not sent at all.
func failFast(part1, part2, part3 func(*abClient) error) func(*abClient) error {
	return func(c *abClient) error {
		if err := part1(c); err != nil {
			return err
		}
		if c.dataWithin(300 * time.Millisecond) {
			return failCase("the server answered a valid first part")
		}
		if err := part2(c); err != nil {
			return err
		}
		if c.dataWithin(time.Second) {
			return nil // failed fast: the harness reads the close frame
		}
		// Not fail-fast: send the rest so the harness reports what happened.
		part3(c)
		return failCase("the server did not fail the connection within 1s of the invalid byte")
	}
}

// dataWithin reports whether the server sent something within d.
func (c *abClient) dataWithin(d time.Duration) bool {
	c.Conn.SetReadDeadline(time.Now().Add(d))
	defer c.Conn.SetReadDeadline(time.Time{})
	_, err := c.BR.Peek(1)
	return err == nil
}
