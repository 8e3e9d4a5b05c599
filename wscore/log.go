package wscore

import (
	"context"
	"encoding/hex"
	"log/slog"
)

// logFrame writes one frame header at debug level (LogFrames).
func (c *Conn) logFrame(dir string, fin bool, rsv, op byte, length int64, masked bool) {
	l := c.cfg.logger
	if !l.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	l.Debug("websocket frame", "dir", dir, "peer", c.Peer(), "opcode", op, "fin", fin, "rsv", rsv>>4, "masked", masked, "length", length)
}

// logOctets writes raw received bytes in hex at debug level (LogOctets); the
// writer logs what it sends.
func (c *Conn) logOctets(b []byte) {
	if c.cfg.logOctets {
		c.logOctetsDir("recv", b)
	}
}

// logOctetsDir writes raw bytes of one direction in hex at debug level.
func (c *Conn) logOctetsDir(dir string, b []byte) {
	if len(b) == 0 {
		return
	}
	l := c.cfg.logger
	if !l.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	l.Debug("websocket octets", "dir", dir, "peer", c.Peer(), "n", len(b), "hex", hex.EncodeToString(b))
}
