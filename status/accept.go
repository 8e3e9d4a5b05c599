package status

import (
	"strconv"
	"strings"
)

// maxAcceptItems bounds the work spent on one Accept header; browsers send
// fewer than ten media ranges.
const maxAcceptItems = 64

// PrefersJSON reports whether an Accept header (all its lines joined with
// commas) prefers application/json to text/html: JSON's quality must be
// higher, by the most specific matching range as RFC 9110 12.5.1 says. Ties go
// to HTML, so browsers and "*/*" get the page.
func PrefersJSON(accept string) bool {
	qJSON, qHTML := quality(accept, "application", "json"), quality(accept, "text", "html")
	return qJSON > qHTML
}

// quality is the q-value the header gives typ/sub, 0 when no range matches.
func quality(accept, typ, sub string) float64 {
	best, bestRank := 0.0, -1
	for i := 0; accept != "" && i < maxAcceptItems; i++ {
		var item string
		item, accept, _ = strings.Cut(accept, ",")
		mr, params, _ := strings.Cut(item, ";")
		t, s, ok := strings.Cut(strings.TrimSpace(mr), "/")
		if !ok {
			continue
		}
		rank := -1
		switch {
		case strings.EqualFold(t, typ) && strings.EqualFold(s, sub):
			rank = 2
		case strings.EqualFold(t, typ) && s == "*":
			rank = 1
		case t == "*" && s == "*":
			rank = 0
		}
		if rank <= bestRank {
			continue
		}
		best, bestRank = qParam(params), rank
	}
	return best
}

// qParam finds q=... among a media range's parameters; default 1, and any
// value that is not a number from 0 to 1 counts as 0.
func qParam(params string) float64 {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || !(q >= 0 && q <= 1) { // also NaN
			return 0
		}
		return q
	}
	return 1
}
