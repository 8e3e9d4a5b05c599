package wscore

import (
	"sync/atomic"
	"time"
)

// deflateSavings count what compression saved: application bytes minus the
// bytes of compressed payloads on the wire, for received (in) and sent (out)
// messages. Negative when incompressible data grew. Each connection counts
// its own (no shared counter on the hot path) and adds them to its server's
// when it ends.
type deflateSavings struct {
	in, out atomic.Int64
}

// moveTo adds s to dst (nil: nowhere) and zeroes s.
func (s *deflateSavings) moveTo(dst *deflateSavings) {
	in, out := s.in.Swap(0), s.out.Swap(0)
	if dst != nil {
		dst.in.Add(in)
		dst.out.Add(out)
	}
}

// CompressionEnabled tells whether the server negotiates permessage-deflate
// (Options.PerMessageCompressionAccept is set). The status page shows it.
func (s *Server) CompressionEnabled() bool { return s.opts.PerMessageCompressionAccept != nil }

// WireBytes returns the payload bytes received and sent on the wire, after
// compression, by all connections so far (ended and open): Stats' BytesIn and
// BytesOut minus what permessage-deflate saved. Their ratio is the status
// page's compression ratio. Headers are not counted.
func (s *Server) WireBytes() (in, out uint64) {
	ws := s.StatsWithWire()
	return ws.WireIn, ws.WireOut
}

// WireStats are a server's Stats with its WireBytes, taken together.
type WireStats struct {
	Stats
	// WireIn and WireOut are the payload bytes received and sent on the
	// wire, after compression (see WireBytes).
	WireIn, WireOut uint64
}

// StatsWithWire returns Stats and WireBytes from one pass over the open
// connections, under the server's lock once: what a status page shows, at
// the cost of one snapshot instead of two (or three) walks, and with counters
// taken at the same moment, so their ratio is consistent.
func (s *Server) StatsWithWire() WireStats {
	savedIn, savedOut := s.deflated.in.Load(), s.deflated.out.Load()
	s.mu.Lock()
	st := Stats{
		Open:        len(s.conns),
		Accepted:    s.accepted,
		Refused:     make(map[string]uint64, len(s.refused)),
		MessagesIn:  s.closed.messagesIn,
		MessagesOut: s.closed.messagesOut,
		BytesIn:     s.closed.bytesIn,
		BytesOut:    s.closed.bytesOut,
		Uptime:      time.Since(s.started),
	}
	for k, v := range s.refused {
		st.Refused[k] = v
	}
	for c := range s.conns {
		st.MessagesIn += c.stats.messagesIn.Load()
		st.MessagesOut += c.stats.messagesOut.Load()
		st.BytesIn += c.stats.bytesIn.Load()
		st.BytesOut += c.stats.bytesOut.Load()
		if d := c.deflate; d != nil {
			savedIn += d.saved.in.Load()
			savedOut += d.saved.out.Load()
		}
	}
	s.mu.Unlock()
	return WireStats{
		Stats:   st,
		WireIn:  uint64(max(int64(st.BytesIn)-savedIn, 0)),
		WireOut: uint64(max(int64(st.BytesOut)-savedOut, 0)),
	}
}
