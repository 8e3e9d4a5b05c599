package wscore

import "io"

// checkRSV judges the reserved bits of a frame (RFC 6455 5.2, RFC 7692 6.1):
// with permessage-deflate in use, RSV1 marks a compressed message and is
// allowed on the first frame of a data message only. Anything else fails the
// connection with 1002.
func (c *Conn) checkRSV(h *frameHeader) *protocolError {
	switch {
	case c.deflate == nil:
		return failWith(CloseProtocolError, "reserved bits set (0x%02x) without a negotiated extension", h.rsv)
	case h.rsv&^bitRsv1 != 0:
		return failWith(CloseProtocolError, "reserved bits RSV2/RSV3 set (0x%02x)", h.rsv)
	case isControl(h.opcode):
		return failWith(CloseProtocolError, "RSV1 set on a control frame")
	case h.opcode == opContinuation:
		return failWith(CloseProtocolError, "RSV1 set on a continuation frame")
	}
	return nil
}

// wireLimit is how many bytes the message that h starts or continues may
// occupy on the wire. A compressed message is limited by its inflated size,
// checked while inflating; its wire size only gets a bound with room for
// DEFLATE's overhead on incompressible data.
func (c *Conn) wireLimit(h *frameHeader) int64 {
	m := c.cfg.maxMessage
	compressed := c.msgCompressed
	if h.opcode != opContinuation {
		compressed = h.rsv&bitRsv1 != 0
	}
	if m > 0 && compressed {
		m += m/16 + 1024
	}
	return m
}

// startCompressed gives a compressed message a pooled buffer to assemble its
// frames in.
func (c *Conn) startCompressed() {
	d := c.deflate
	d.inBuf = getScratch()
	c.msg = (*d.inBuf)[:0]
}

// deliverCompressed inflates the compressed message assembled in c.msg, hands
// it to OnMessage and gives the compressed bytes' buffer back.
func (c *Conn) deliverCompressed() error {
	d := c.deflate
	z, isBinary := c.msg, c.msgOp == opBinary
	validate := c.msgOp == opText && c.cfg.validateUTF8
	c.msg, c.msgOp, c.msgCompressed = nil, 0, false
	payload, err := c.inflate(z, validate)
	if d.inBuf != nil {
		putScratch(d.inBuf, z)
		d.inBuf = nil
	}
	if err != nil {
		return err
	}
	d.saved.in.Add(int64(len(payload) - len(z)))
	if c.stats.messagesIn.Add(1) == 1 {
		c.timings.mark(msFirstIn)
	}
	c.stats.bytesIn.Add(uint64(len(payload)))
	return c.callMessage(payload, isBinary)
}

// inflate decompresses one message (RFC 7692 7.2.2): the payload with the
// trailer appended, after the receive window when the peer takes its context
// over. MaxMessagePayloadSize applies to the inflated bytes and inflating stops
// as soon as it is exceeded, so a small message that would inflate to gigabytes
// costs no more than the limit. Text is validated as it comes out.
func (c *Conn) inflate(z []byte, validate bool) ([]byte, error) {
	d := c.deflate
	if len(z) == 0 {
		// An empty payload carries no block at all; it is the empty message
		// (some peers send it instead of a lone empty block).
		return []byte{}, nil
	}
	z = append(z, inflateTrailer[:]...)
	var dict []byte
	if !d.recvNoTakeover {
		dict = d.window
	}
	inf := inflaterPool.Get().(*inflater)
	inf.reset(z, dict)
	defer inf.release()

	limit := c.cfg.maxMessage // 0: none
	bp := getScratch()
	out := (*bp)[:0]
	fail := func(err *protocolError) ([]byte, error) {
		putScratch(bp, *bp)
		return nil, err
	}
	for {
		if len(out) == cap(out) {
			// Grow ahead of DEFLATE's usual ratios, never past the limit + 1.
			n := max(2*cap(out), 4*len(z))
			if limit > 0 && int64(n) > limit+1 {
				n = int(limit + 1)
			}
			grown := make([]byte, len(out), n)
			copy(grown, out)
			out = grown
		}
		n, err := inf.fr.Read(out[len(out):cap(out)])
		chunk := out[len(out) : len(out)+n]
		out = out[:len(out)+n]
		if limit > 0 && int64(len(out)) > limit {
			return fail(failWith(CloseMessageTooBig, "message inflates beyond the limit of %d bytes", limit))
		}
		if validate && !c.utf8.write(chunk) {
			return fail(failWith(CloseInvalidPayload, "text message is not valid UTF-8"))
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(failWith(CloseInvalidPayload, "invalid compressed data: %v", err))
		}
	}
	if validate && !c.utf8.complete() {
		return fail(failWith(CloseInvalidPayload, "text message ends inside a UTF-8 sequence"))
	}
	if !d.recvNoTakeover {
		d.remember(out)
	}
	if cap(out) > maxPooledScratch {
		putScratch(bp, *bp)
		return out, nil
	}
	// The scratch buffer (grown or not) is kept for the next message; the
	// application gets an exact copy.
	payload := pooledPayload(len(out))
	if payload == nil {
		payload = make([]byte, 0, len(out))
	}
	payload = append(payload, out...)
	putScratch(bp, out)
	return payload, nil
}
