package wscore

import "sync/atomic"

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
