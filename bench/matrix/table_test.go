package matrix

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	t.Parallel()
	s := func(v float64) Sample { return Sample{Values: map[string]float64{"x": v}} }
	for _, tc := range []struct {
		samples []Sample
		want    float64
		n       int
	}{
		{[]Sample{s(3), s(1), s(2)}, 2, 3},
		{[]Sample{s(4), s(1), s(2), s(3)}, 2.5, 4},
		{[]Sample{s(5), {Err: "boom"}, s(7)}, 6, 2},
		{[]Sample{{Err: "boom"}}, math.NaN(), 0},
	} {
		got, n := Median(tc.samples, "x")
		if n != tc.n || (got != tc.want && !(math.IsNaN(got) && math.IsNaN(tc.want))) {
			t.Errorf("Median = %v, %d; want %v, %d", got, n, tc.want, tc.n)
		}
	}
}

func TestFormatValue(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		format string
		v      float64
		want   string
	}{
		{"%.0f", 1234567, "1,234,567"}, {"%.1f", 999.94, "999.9"}, {"%.2f", 1000.5, "1,000.50"},
		{"%.0f", 12, "12"}, {"%.0f", -4321, "-4,321"},
	} {
		if got := formatValue(tc.format, tc.v); got != tc.want {
			t.Errorf("formatValue(%q, %v) = %q, want %q", tc.format, tc.v, got, tc.want)
		}
	}
}

// The table shows medians, ratios to gorilla, the spread of the runs, what
// deflate negotiated, and the errors of failed runs.
func TestMarkdown(t *testing.T) {
	t.Parallel()
	scs := Scenarios(100)
	b, d := scs[1], scs[3]
	v := func(kv ...float64) Sample {
		s := Sample{Values: map[string]float64{}}
		for i := 0; i < len(kv); i += 2 {
			s.Values[[]string{KeyMsgs, KeyRSS}[int(kv[i])]] = kv[i+1]
		}
		return s
	}
	res := &Results{
		Machine:   Machine{CPU: "Test CPU", Cores: 2, Go: "go1.26", Kernel: "Linux 6", Date: "today"},
		Timing:    Timing{Runs: 3, Warmup: time.Second, Duration: 4 * time.Second},
		Pinned:    true,
		Scenarios: []Scenario{b, d},
		Servers:   []Server{{Name: "wsplug-nethttp", Note: "ours"}, {Name: "gorilla", Note: "theirs"}},
		Samples: map[string]map[string][]Sample{
			"b": {
				"wsplug-nethttp": {v(0, 150000), v(0, 140000), v(0, 160000)},
				"gorilla":        {v(0, 100000), v(0, 100000), {Err: "connection reset"}},
			},
			"d": {
				"wsplug-nethttp": {{Values: map[string]float64{KeyMsgs: 40000, KeyRSS: 20}, Extensions: "permessage-deflate"}},
				"gorilla":        {{Err: "boom"}},
			},
		},
	}
	md := res.Markdown("Bench")
	for _, want := range []string{
		"Machine: Test CPU, 2 cores, go1.26, Linux 6",
		"Server pinned to CPU 0",
		"| wsplug-nethttp | 150,000 (1.50×) |",
		"| wsplug-nethttp | 150,000 | 1.50× | 13% |",
		"| gorilla | 100,000 | 1.00× | 0% |",
		"- gorilla, run 3: connection reset",
		"| wsplug-nethttp | 40,000 | – | 20.0 | – | – | `permessage-deflate` |",
		"| gorilla | error | – | error | – | – | – |",
		"- `gorilla`: theirs",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("table lacks %q:\n%s", want, md)
		}
	}
	// A server that ran the deflate scenario uncompressed is marked.
	res.Samples["d"]["wsplug-nethttp"][0].Extensions = ""
	md = res.Markdown("Bench")
	for _, want := range []string{"| 40,000† (–) | 20.0† (–) |", "† permessage-deflate was not negotiated"} {
		if !strings.Contains(md, want) {
			t.Errorf("table lacks %q:\n%s", want, md)
		}
	}
}
