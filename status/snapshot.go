package status

import (
	"math"
	"time"

	"github.com/wsplug/wsplug/wscore"
)

// Snapshot is the status of one WebSocket route at one moment: what the JSON
// variant of the page returns. Its field names are stable, for monitors.
// It holds nothing a stranger should not see: no peer addresses, no headers.
type Snapshot struct {
	Server      string            `json:"server"`
	Version     string            `json:"version"`
	Route       string            `json:"route"`
	Open        int               `json:"open"`
	Accepted    uint64            `json:"accepted"`
	Refused     map[string]uint64 `json:"refused"`
	MessagesIn  uint64            `json:"messages_in"`
	MessagesOut uint64            `json:"messages_out"`
	BytesIn     uint64            `json:"bytes_in"`
	BytesOut    uint64            `json:"bytes_out"`
	// CompressionRatio is application bytes per byte on the wire, both
	// directions together; null while compression is off or the engine does
	// not report wire bytes.
	CompressionRatio *float64    `json:"compression_ratio"`
	UptimeSeconds    float64     `json:"uptime_seconds"`
	Options          OptionsView `json:"options"`
}

// OptionsView is the part of a route's wscore.Options that a visitor may
// know: what a client must do to connect, and the limits it will meet.
// Sizes are bytes, durations seconds; 0 means "none" for the limits that can
// be turned off.
type OptionsView struct {
	Versions              []int    `json:"versions"`
	Subprotocols          []string `json:"subprotocols"`
	Compression           bool     `json:"compression"`
	AllowedOrigins        []string `json:"allowed_origins"` // empty: same-origin only
	MaxConnections        int      `json:"max_connections"` // 0: no cap
	MaxMessagePayloadSize int64    `json:"max_message_payload_size"`
	MaxFramePayloadSize   int64    `json:"max_frame_payload_size"`
	AutoPingInterval      float64  `json:"auto_ping_interval_seconds"`
	OpenHandshakeTimeout  float64  `json:"open_handshake_timeout_seconds"`
	CloseHandshakeTimeout float64  `json:"close_handshake_timeout_seconds"`
	Masking               string   `json:"client_masking"` // "required" or "optional"
	UTF8Validation        bool     `json:"utf8_validation"`
}

// Collect takes a snapshot of s for the page at route. The counters and the
// wire bytes behind the compression ratio come from one pass over the
// server's connections (wscore.Server.StatsWithWire), so a status request or
// poll costs one walk, and the ratio matches the byte counts shown with it.
func Collect(s *wscore.Server, route string) Snapshot {
	ws := s.StatsWithWire()
	st := ws.Stats
	refused := st.Refused
	if refused == nil {
		refused = map[string]uint64{}
	}
	snap := Snapshot{
		Server:        s.Name(),
		Version:       wscore.Version,
		Route:         route,
		Open:          st.Open,
		Accepted:      st.Accepted,
		Refused:       refused,
		MessagesIn:    st.MessagesIn,
		MessagesOut:   st.MessagesOut,
		BytesIn:       st.BytesIn,
		BytesOut:      st.BytesOut,
		UptimeSeconds: math.Round(st.Uptime.Seconds()*1000) / 1000,
		Options:       viewOptions(s),
	}
	if wire := ws.WireIn + ws.WireOut; snap.Options.Compression && wire > 0 {
		r := math.Round(float64(st.BytesIn+st.BytesOut)/float64(wire)*100) / 100
		snap.CompressionRatio = &r
	}
	return snap
}

func viewOptions(s *wscore.Server) OptionsView {
	o := s.Options()
	v := OptionsView{
		Versions:              o.Versions,
		Subprotocols:          o.Subprotocols,
		AllowedOrigins:        o.AllowedOrigins,
		MaxConnections:        max(o.MaxConnections, 0),
		MaxMessagePayloadSize: limit(o.MaxMessagePayloadSize, wscore.DefaultMaxMessagePayloadSize),
		MaxFramePayloadSize:   limit(o.MaxFramePayloadSize, 0),
		AutoPingInterval:      o.AutoPingInterval.Seconds(),
		OpenHandshakeTimeout:  seconds(o.OpenHandshakeTimeout, wscore.DefaultOpenHandshakeTimeout),
		CloseHandshakeTimeout: seconds(o.CloseHandshakeTimeout, wscore.DefaultCloseHandshakeTimeout),
		Masking:               "required",
		UTF8Validation:        !o.DisableUTF8Validation,
	}
	if o.AllowUnmaskedClientFrames {
		v.Masking = "optional"
	}
	v.Compression = s.CompressionEnabled()
	// JSON arrays, never null, so monitors need no special case.
	if v.Versions == nil {
		v.Versions = []int{}
	}
	if v.Subprotocols == nil {
		v.Subprotocols = []string{}
	}
	if v.AllowedOrigins == nil {
		v.AllowedOrigins = []string{}
	}
	return v
}

// limit resolves a size option: 0 is def, -1 (unlimited) is 0.
func limit(v, def int64) int64 {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

func seconds(v, def time.Duration) float64 {
	switch {
	case v == 0:
		return def.Seconds()
	case v < 0:
		return 0
	}
	return v.Seconds()
}
