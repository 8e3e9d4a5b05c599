package wscore

import (
	"log/slog"
	"time"
)

// config is the resolved form of Options or ClientOptions that connections
// read: defaults filled in, "unlimited" turned into zero. One value is shared by
// every connection of a server and never changes.
type config struct {
	client bool

	maxFrame   int64 // 0: no limit
	maxMessage int64 // 0: no limit

	autoFragment int
	failByDrop   bool
	echoClose    bool
	validateUTF8 bool

	openTimeout  time.Duration // 0: none
	closeTimeout time.Duration // 0: none
	writeTimeout time.Duration // 0: none
	dropTimeout  time.Duration // client: wait for the server to drop TCP
	noDelay      bool

	pingInterval time.Duration // 0: no automatic pings
	pingTimeout  time.Duration
	pingSize     int

	requireMasked bool // incoming frames must be masked (server)
	rejectMasked  bool // incoming frames must not be masked (client)
	maskOutgoing  bool
	applyMask     bool

	readBufSize  int
	writeBufSize int

	compressionThreshold int

	logFrames    bool
	logOctets    bool
	trackTimings bool
	logger       *slog.Logger
}

// resolveSize turns an option value into a limit: 0 is def, -1 is none (0).
func resolveSize(v, def int64) int64 {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

// resolveDuration turns an option value into a timeout: 0 is def, -1 is none (0).
func resolveDuration(v, def time.Duration) time.Duration {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

func resolveCommon(c commonOptions, logger *slog.Logger) config {
	cfg := config{
		maxFrame:             resolveSize(c.MaxFramePayloadSize, 0),
		maxMessage:           resolveSize(c.MaxMessagePayloadSize, DefaultMaxMessagePayloadSize),
		autoFragment:         c.AutoFragmentSize,
		openTimeout:          resolveDuration(c.OpenHandshakeTimeout, DefaultOpenHandshakeTimeout),
		closeTimeout:         resolveDuration(c.CloseHandshakeTimeout, DefaultCloseHandshakeTimeout),
		writeTimeout:         resolveDuration(c.WriteTimeout, DefaultWriteTimeout),
		pingInterval:         c.AutoPingInterval,
		pingTimeout:          c.AutoPingTimeout,
		pingSize:             c.AutoPingSize,
		compressionThreshold: c.CompressionThreshold,
		readBufSize:          c.ReadBufferSize,
		writeBufSize:         c.WriteBufferSize,
		logger:               logger,
	}
	if cfg.pingTimeout == 0 {
		cfg.pingTimeout = cfg.pingInterval
	}
	if cfg.pingSize == 0 {
		cfg.pingSize = DefaultAutoPingSize
	}
	if cfg.readBufSize == 0 {
		cfg.readBufSize = DefaultReadBufferSize
	}
	if cfg.writeBufSize == 0 {
		cfg.writeBufSize = DefaultWriteBufferSize
	}
	if cfg.logger == nil {
		cfg.logger = slog.Default()
	}
	return cfg
}

func (o *Options) common() commonOptions {
	return commonOptions{
		MaxFramePayloadSize:   o.MaxFramePayloadSize,
		MaxMessagePayloadSize: o.MaxMessagePayloadSize,
		AutoFragmentSize:      o.AutoFragmentSize,
		OpenHandshakeTimeout:  o.OpenHandshakeTimeout,
		CloseHandshakeTimeout: o.CloseHandshakeTimeout,
		WriteTimeout:          o.WriteTimeout,
		AutoPingInterval:      o.AutoPingInterval,
		AutoPingTimeout:       o.AutoPingTimeout,
		AutoPingSize:          o.AutoPingSize,
		CompressionThreshold:  o.CompressionThreshold,
		ReadBufferSize:        o.ReadBufferSize,
		WriteBufferSize:       o.WriteBufferSize,
	}
}

// serverConfig resolves server options.
func (o *Options) serverConfig() config {
	cfg := resolveCommon(o.common(), o.Logger)
	cfg.failByDrop = o.FailByDrop
	cfg.echoClose = o.EchoCloseCodeReason
	cfg.validateUTF8 = !o.DisableUTF8Validation
	cfg.noDelay = !o.DisableTCPNoDelay
	cfg.requireMasked = !o.AllowUnmaskedClientFrames
	cfg.maskOutgoing = o.MaskServerFrames
	cfg.applyMask = !o.DisableApplyMask
	cfg.logFrames = o.LogFrames
	cfg.logOctets = o.LogOctets
	cfg.trackTimings = o.TrackTimings
	return cfg
}
