package status

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"

	"github.com/wsplug/wsplug/wscore"
)

//go:embed assets/page.html assets/page.css assets/page.js
var assets embed.FS

// The page inlines its style and script (one request, no asset routes to
// mount) and allows exactly those by hash in its Content-Security-Policy.
var (
	pageStyle  = mustAsset("assets/page.css")
	pageScript = mustAsset("assets/page.js")
	pageCSP    = "default-src 'none'; style-src " + hashSource(pageStyle) +
		"; script-src " + hashSource(pageScript) +
		"; connect-src 'self' ws: wss:; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
	pageTemplate = template.Must(template.New("page.html").Funcs(template.FuncMap{
		"count":   formatCount,
		"bytes":   formatBytes,
		"limit":   formatLimit,
		"uptime":  formatUptime,
		"seconds": formatSeconds,
		"ratio":   formatRatio,
		"reason":  reasonLabel,
		"total":   total,
		"join":    strings.Join,
	}).ParseFS(assets, "assets/page.html"))
)

func mustAsset(name string) string {
	b, err := assets.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func hashSource(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

type pageData struct {
	Snap        Snapshot
	ConsolePath string
	Style       template.CSS
	Script      template.JS
}

// renderHTML renders the page; html/template escapes every value for its
// context, so a server name or route cannot inject markup.
func renderHTML(snap Snapshot, consolePath string) ([]byte, error) {
	var buf bytes.Buffer
	err := pageTemplate.Execute(&buf, pageData{
		Snap:        snap,
		ConsolePath: consolePath,
		Style:       template.CSS(pageStyle),
		Script:      template.JS(pageScript),
	})
	return buf.Bytes(), err
}

// The formatting below matches page.js, which redraws the counters.

func formatCount(v any) string {
	var n uint64
	switch x := v.(type) {
	case int:
		n = uint64(max(x, 0))
	case uint64:
		n = x
	default:
		return fmt.Sprint(v)
	}
	s := strconv.FormatUint(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func formatBytes(n uint64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	f, i := float64(n), 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	switch {
	case i == 0:
		return strconv.FormatUint(n, 10) + " B"
	case f < 10:
		return strconv.FormatFloat(f, 'f', 2, 64) + " " + units[i]
	}
	return strconv.FormatFloat(f, 'f', 1, 64) + " " + units[i]
}

// formatLimit shows a size limit; 0 is "none".
func formatLimit(n int64) string {
	if n <= 0 {
		return "none"
	}
	return formatBytes(uint64(n))
}

func formatUptime(sec float64) string {
	s := int64(math.Floor(sec))
	d, h, m, r := s/86400, s%86400/3600, s%3600/60, s%60
	switch {
	case d > 0:
		return fmt.Sprintf("%dd %dh", d, h)
	case h > 0:
		return fmt.Sprintf("%dh %dm", h, m)
	case m > 0:
		return fmt.Sprintf("%dm %ds", m, r)
	}
	return fmt.Sprintf("%ds", r)
}

func formatSeconds(sec float64) string {
	if sec <= 0 {
		return "none"
	}
	return strconv.FormatFloat(sec, 'f', -1, 64) + " s"
}

func formatRatio(r *float64) string {
	if r == nil {
		return "\u2014"
	}
	return strconv.FormatFloat(*r, 'f', 2, 64) + "\u00d7"
}

// reasonLabels name the engine's refusal reasons for people.
var reasonLabels = map[string]string{
	wscore.RefusedBadRequest:   "Malformed handshake",
	wscore.RefusedVersion:      "Unsupported version",
	wscore.RefusedOrigin:       "Origin not allowed",
	wscore.RefusedCapacity:     "Connection limit reached",
	wscore.RefusedShuttingDown: "Server shutting down",
	wscore.RefusedByProtocol:   "Refused by the application",
	wscore.RefusedInternal:     "Internal error",
}

func reasonLabel(k string) string {
	if l, ok := reasonLabels[k]; ok {
		return l
	}
	return k
}

func total(m map[string]uint64) uint64 {
	var n uint64
	for _, v := range m {
		n += v
	}
	return n
}
