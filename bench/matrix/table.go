package matrix

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Median returns the median of metric key over the runs that succeeded, and
// how many did; NaN when none did.
func Median(samples []Sample, key string) (float64, int) {
	var vs []float64
	for _, s := range samples {
		if s.Err == "" {
			if v, ok := s.Values[key]; ok && !math.IsNaN(v) {
				vs = append(vs, v)
			}
		}
	}
	if len(vs) == 0 {
		return math.NaN(), 0
	}
	slices.Sort(vs)
	n := len(vs)
	if n%2 == 1 {
		return vs[n/2], n
	}
	return (vs[n/2-1] + vs[n/2]) / 2, n
}

// spread is (max-min)/median of the successful runs, in percent: how much the
// repetitions disagree.
func spread(samples []Sample, key string) float64 {
	med, n := Median(samples, key)
	if n < 2 || med == 0 {
		return math.NaN()
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range samples {
		if s.Err == "" {
			lo, hi = min(lo, s.Values[key]), max(hi, s.Values[key])
		}
	}
	return 100 * (hi - lo) / med
}

// Markdown renders the results: the machine, a summary table with every
// scenario's headline numbers, then one table per scenario with ratios to
// the baseline and the spread of the runs.
func (res *Results) Markdown(title string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## %s\n\n", title)
	m := res.Machine
	fmt.Fprintf(&b, "Machine: %s, %d cores, %s, %s; run %s.\n", m.CPU, m.Cores, m.Go, m.Kernel, m.Date)
	if res.Pinned {
		b.WriteString("Server pinned to CPU 0, load generator to CPU 1 (taskset). ")
	} else {
		b.WriteString("**Not pinned** (taskset or CPUs 0 and 1 unavailable): server and load generator share the CPUs. ")
	}
	t := res.Timing
	fmt.Fprintf(&b, "%d run(s) per configuration, medians shown; %v warm-up, %v measured per run", t.Runs, t.Warmup, t.Duration)
	if res.hasIdle() {
		fmt.Fprintf(&b, ", idle connections settle %v before the RSS is read", t.Settle)
	}
	fmt.Fprintf(&b, "; the whole matrix took %v.\n", res.Elapsed.Round(1e9))
	fmt.Fprintf(&b, "Ratios are to %s: above 1× is better for rates (msgs/s, MB/s), below 1× is better for latency and memory.\n\n", Baseline)

	res.summary(&b)
	if res.hasUncompressed() {
		b.WriteString("† permessage-deflate was not negotiated: that server ran the compression scenario uncompressed, so its numbers there are not comparable.\n\n")
	}
	for _, sc := range res.Scenarios {
		res.detail(&b, sc)
	}
	b.WriteString("Servers:\n\n")
	for _, s := range res.Servers {
		fmt.Fprintf(&b, "- `%s`: %s\n", s.Name, s.Note)
	}
	return b.String()
}

func (res *Results) hasUncompressed() bool {
	for _, sc := range res.Scenarios {
		if !sc.Deflate {
			continue
		}
		for _, srv := range res.Servers {
			if _, n := Median(res.Samples[sc.ID][srv.Name], sc.Metrics[0].Key); n > 0 && !compressed(res.Samples[sc.ID][srv.Name]) {
				return true
			}
		}
	}
	return false
}

func (res *Results) hasIdle() bool {
	for _, sc := range res.Scenarios {
		if sc.Idle {
			return true
		}
	}
	return false
}

// cell formats a median and its ratio to the baseline.
func (res *Results) cell(sc Scenario, m Metric, server string, withRatio bool) string {
	v, n := Median(res.Samples[sc.ID][server], m.Key)
	if n == 0 {
		return "error"
	}
	s := formatValue(m.Format, v)
	if sc.Deflate && !compressed(res.Samples[sc.ID][server]) {
		s += "†"
	}
	if !withRatio {
		return s
	}
	return s + " (" + res.ratio(sc, m, v) + ")"
}

// compressed tells whether the successful runs negotiated an extension.
func compressed(samples []Sample) bool {
	for _, s := range samples {
		if s.Err == "" && s.Extensions == "" {
			return false
		}
	}
	return true
}

func (res *Results) ratio(sc Scenario, m Metric, v float64) string {
	base, n := Median(res.Samples[sc.ID][Baseline], m.Key)
	if n == 0 || base == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", v/base)
}

func (res *Results) summary(b *strings.Builder) {
	b.WriteString("| server |")
	sep := "|---|"
	for _, sc := range res.Scenarios {
		for _, m := range sc.Metrics {
			fmt.Fprintf(b, " (%s) %s |", sc.ID, m.Label)
			sep += "---:|"
		}
	}
	b.WriteString("\n" + sep + "\n")
	for _, srv := range res.Servers {
		fmt.Fprintf(b, "| %s |", srv.Name)
		for _, sc := range res.Scenarios {
			for _, m := range sc.Metrics {
				fmt.Fprintf(b, " %s |", res.cell(sc, m, srv.Name, true))
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
}

func (res *Results) detail(b *strings.Builder, sc Scenario) {
	fmt.Fprintf(b, "### (%s) %s\n\n| server |", sc.ID, sc.Title)
	sep := "|---|"
	for _, m := range sc.Metrics {
		fmt.Fprintf(b, " %s | × %s |", m.Label, Baseline)
		sep += "---:|---:|"
	}
	b.WriteString(" spread |")
	sep += "---:|"
	if sc.Deflate {
		b.WriteString(" negotiated |")
		sep += "---|"
	}
	b.WriteString("\n" + sep + "\n")
	var errs []string
	for _, srv := range res.Servers {
		samples := res.Samples[sc.ID][srv.Name]
		fmt.Fprintf(b, "| %s |", srv.Name)
		for _, m := range sc.Metrics {
			v, n := Median(samples, m.Key)
			if n == 0 {
				b.WriteString(" error | – |")
				continue
			}
			fmt.Fprintf(b, " %s | %s |", formatValue(m.Format, v), res.ratio(sc, m, v))
		}
		if sp := spread(samples, sc.Metrics[0].Key); math.IsNaN(sp) {
			b.WriteString(" – |")
		} else {
			fmt.Fprintf(b, " %.0f%% |", sp)
		}
		if sc.Deflate {
			fmt.Fprintf(b, " %s |", negotiated(samples))
		}
		b.WriteString("\n")
		for i, s := range samples {
			if s.Err != "" {
				errs = append(errs, fmt.Sprintf("- %s, run %d: %s", srv.Name, i+1, s.Err))
			}
		}
	}
	b.WriteString("\n")
	if len(errs) > 0 {
		b.WriteString("Errors:\n\n" + strings.Join(errs, "\n") + "\n\n")
	}
}

// negotiated summarizes the extension the runs negotiated.
func negotiated(samples []Sample) string {
	for _, s := range samples {
		if s.Err == "" {
			if s.Extensions == "" {
				return "none (uncompressed)"
			}
			return "`" + s.Extensions + "`"
		}
	}
	return "–"
}

// formatValue formats v with the metric's verb and groups thousands.
func formatValue(format string, v float64) string {
	s := fmt.Sprintf(format, v)
	intPart, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(intPart, "-")
	intPart = strings.TrimPrefix(intPart, "-")
	var g strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			g.WriteByte(',')
		}
		g.WriteRune(c)
	}
	out := g.String()
	if neg {
		out = "-" + out
	}
	if frac != "" {
		out += "." + frac
	}
	return out
}
