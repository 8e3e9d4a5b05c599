package matrix

import (
	"context"
	"strings"
	"testing"
	"time"
)

// The runner builds real binaries and runs a tiny matrix end to end: a load
// scenario with a 1-second measurement and an idle one, against wsplug's raw
// listener, gorilla (the baseline) and the raw TCP echo, pinned with taskset
// when the machine allows.
func TestRunnerEndToEnd(t *testing.T) {
	r := builtRunner(t)
	r.Servers = []Server{{Name: "wsplug-raw"}, {Name: "gorilla"}, {Name: "rawtcp", Raw: true}}
	r.Scenarios = []Scenario{
		{ID: "b", Title: "tiny load", Conns: 2, InFlight: 2, Size: 512, Binary: true, Metrics: []Metric{metricMsgs}},
		{ID: "e", Title: "tiny idle", Conns: 20, Idle: true, Metrics: []Metric{metricPerConn}},
	}
	r.Timing = Timing{Runs: 1, Warmup: 100 * time.Millisecond, Duration: time.Second, Settle: 100 * time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res, err := r.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range r.Scenarios {
		for _, srv := range r.Servers {
			samples := res.Samples[sc.ID][srv.Name]
			if len(samples) != 1 || samples[0].Err != "" {
				t.Fatalf("(%s) %s: %+v", sc.ID, srv.Name, samples)
			}
			if v := samples[0].Values[sc.Metrics[0].Key]; sc.ID == "b" && v <= 0 {
				t.Errorf("(%s) %s: %s = %v", sc.ID, srv.Name, sc.Metrics[0].Key, v)
			}
		}
	}
	md := res.Markdown("test")
	if strings.Contains(md, "error") || !strings.Contains(md, "| gorilla | ") {
		t.Errorf("table:\n%s", md)
	}
	t.Log("\n" + md)
}

// A server binary that does not exist gives an error sample, not a failed
// matrix.
func TestRunnerMissingServer(t *testing.T) {
	t.Parallel()
	r := &Runner{BinDir: t.TempDir(), Servers: []Server{{Name: "nope"}},
		Scenarios: []Scenario{{ID: "a", Conns: 1, Metrics: []Metric{metricP50}}},
		Timing:    Timing{Runs: 1, Duration: 100 * time.Millisecond}}
	res, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Samples["a"]["nope"]; len(s) != 1 || !strings.Contains(s[0].Err, "nope") {
		t.Fatalf("%+v", s)
	}
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// Every server of the matrix echoes text, large binary messages and
// compressed JSON correctly (the load generator checks each echo), and the
// peers that support permessage-deflate negotiate it.
func TestEveryServerEchoes(t *testing.T) {
	r := builtRunner(t)
	r.Servers = Servers()
	r.Scenarios = []Scenario{
		{ID: "text", Conns: 1, InFlight: 1, Size: 16, Payload: "random", Metrics: []Metric{metricP50}},
		{ID: "large", Conns: 2, InFlight: 2, Size: 100 << 10, Binary: true, Payload: "random", Metrics: []Metric{metricMB}},
		{ID: "deflate", Conns: 4, InFlight: 4, Size: 1024, Payload: "json", Deflate: true, Metrics: []Metric{metricMsgs}},
	}
	r.Timing = Timing{Runs: 1, Warmup: 20 * time.Millisecond, Duration: 150 * time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res, err := r.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range r.Scenarios {
		for _, srv := range r.Servers {
			s := res.Samples[sc.ID][srv.Name][0]
			if s.Err != "" {
				t.Errorf("(%s) %s: %s", sc.ID, srv.Name, s.Err)
				continue
			}
			if sc.Deflate && !strings.HasPrefix(s.Extensions, "permessage-deflate") {
				t.Errorf("(%s) %s negotiated %q", sc.ID, srv.Name, s.Extensions)
			}
		}
	}
}
