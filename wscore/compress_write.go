package wscore

import "fmt"

// sendCompressed sends payload as one compressed message (RFC 7692 7.2.1):
// DEFLATE with the sync tail removed, RSV1 on the first frame only, split by
// AutoFragmentSize like any message.
//
// Without context takeover each message borrows a pooled compressor, and a
// message that would not shrink is sent uncompressed. With context takeover
// the connection's own compressor carries the window from one message to the
// next, so compressing and queueing happen under one lock, in wire order; every
// message that went through the compressor is sent compressed, or the two
// windows would drift apart.
func (c *Conn) sendCompressed(op byte, payload []byte, queue bool) error {
	d := c.deflate
	bp := getScratch()
	var z []byte
	var err error
	if bits, ok := d.sharedWindow(); ok {
		z, err = compressAlone((*bp)[:0], payload, bits)
		switch {
		case err != nil:
			err = fmt.Errorf("wscore: compressing a message: %w", err)
		case len(z) >= len(payload):
			err = c.sendFrames(op, 0, payload, queue)
		default:
			if err = c.sendFrames(op, bitRsv1, z, queue); err == nil {
				d.saved.out.Add(int64(len(payload) - len(z)))
			}
		}
		putScratch(bp, z)
		return err
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		putScratch(bp, *bp)
		return ErrClosed
	}
	if d.cp == nil {
		d.cp = getCompressor(d.sendBits)
	}
	z, err = d.cp.compress((*bp)[:0], payload)
	if err != nil {
		err = fmt.Errorf("wscore: compressing a message: %w", err)
	} else if err = c.sendFrames(op, bitRsv1, z, queue); err == nil {
		d.saved.out.Add(int64(len(payload) - len(z)))
	}
	putScratch(bp, z)
	return err
}
