package loadgen

import (
	"math/bits"
	"time"
)

// histogram counts latencies in log-linear buckets: 64 sub-buckets per power
// of two, so a percentile read from it is within about 1.6% of the true value.
// Recording is a few instructions and never allocates.
type histogram struct {
	counts [64 * subBuckets]uint64
	n      uint64
}

const (
	subBits    = 6
	subBuckets = 1 << subBits
)

func bucketOf(ns uint64) int {
	if ns < subBuckets {
		return int(ns)
	}
	e := bits.Len64(ns) - subBits // >= 1
	return e*subBuckets + int(ns>>(e-1)) - subBuckets
}

// lowOf is the smallest value that falls in bucket i.
func lowOf(i int) uint64 {
	if i < subBuckets {
		return uint64(i)
	}
	e := i / subBuckets
	return uint64(i%subBuckets+subBuckets) << (e - 1)
}

func (h *histogram) record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(uint64(d))]++
	h.n++
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
}

// quantile returns the value below which a fraction q of the samples lie (the
// middle of the bucket that holds it), or 0 without samples.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n-1)) + 1
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			lo, hi := lowOf(i), lowOf(i+1)
			return time.Duration(lo + (hi-lo)/2)
		}
	}
	return 0
}
