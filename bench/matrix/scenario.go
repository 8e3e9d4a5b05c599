package matrix

import (
	"fmt"
	"time"

	"github.com/wsplug/wsplug/bench/loadgen"
)

// Scenario is one row of the list: a load shape and what it reports.
type Scenario struct {
	ID       string // "a".."e"
	Title    string
	Conns    int
	InFlight int
	Size     int
	Binary   bool
	Payload  string
	Deflate  bool
	Idle     bool // memory per idle connection instead of a load run
	Metrics  []Metric
}

// Metric is one measured quantity of a scenario.
type Metric struct {
	Key         string // key in Sample.Values
	Label       string // column header
	LowerBetter bool
	Format      string // fmt verb for the value
}

// Metric keys.
const (
	KeyP50     = "p50_us"
	KeyP99     = "p99_us"
	KeyMsgs    = "msgs_per_sec"
	KeyMB      = "mb_per_sec"
	KeyRSS     = "rss_mib"
	KeyPerConn = "kib_per_conn"
)

var (
	metricP50     = Metric{KeyP50, "p50 µs", true, "%.1f"}
	metricP99     = Metric{KeyP99, "p99 µs", true, "%.1f"}
	metricMsgs    = Metric{KeyMsgs, "msgs/s", false, "%.0f"}
	metricMB      = Metric{KeyMB, "MB/s", false, "%.0f"}
	metricRSS     = Metric{KeyRSS, "server RSS MiB", true, "%.1f"}
	metricPerConn = Metric{KeyPerConn, "KiB/conn", true, "%.2f"}
)

// Scenarios returns the five scenarios; idleConns sets (e)'s size.
func Scenarios(idleConns int) []Scenario {
	return []Scenario{
		{ID: "a", Title: "1 connection, 16 B text, sequential round trips", Conns: 1, InFlight: 1, Size: 16,
			Payload: loadgen.PayloadRandom, Metrics: []Metric{metricP50, metricP99}},
		{ID: "b", Title: "100 connections, 1 KiB binary, 8 in flight", Conns: 100, InFlight: 8, Size: 1024, Binary: true,
			Payload: loadgen.PayloadRandom, Metrics: []Metric{metricMsgs}},
		{ID: "c", Title: "10 connections, 64 KiB binary, 2 in flight", Conns: 10, InFlight: 2, Size: 64 << 10, Binary: true,
			Payload: loadgen.PayloadRandom, Metrics: []Metric{metricMB}},
		{ID: "d", Title: "permessage-deflate, 100 connections, 1 KiB JSON-like text, 8 in flight", Conns: 100, InFlight: 8, Size: 1024,
			Payload: loadgen.PayloadJSON, Deflate: true, Metrics: []Metric{metricMsgs, metricRSS}},
		{ID: "e", Title: fmt.Sprintf("%d idle connections (one 16 B exchange each)", idleConns), Conns: idleConns, Idle: true,
			Metrics: []Metric{metricPerConn}},
	}
}

// Timing is how long each run lasts.
type Timing struct {
	Runs     int           // repetitions of each configuration
	Warmup   time.Duration // traffic before measuring
	Duration time.Duration // measured time
	Settle   time.Duration // idle runs: wait before reading the RSS
}

// Presets: smoke proves the matrix works in about a minute; full is what the
// README's table comes from (about 20 minutes).
var (
	Smoke = Timing{Runs: 1, Warmup: 200 * time.Millisecond, Duration: 500 * time.Millisecond, Settle: 500 * time.Millisecond}
	Full  = Timing{Runs: 3, Warmup: time.Second, Duration: 4 * time.Second, Settle: 2 * time.Second}
)

// Idle connection counts of the presets.
const (
	SmokeIdleConns = 1000
	FullIdleConns  = 10000
)
