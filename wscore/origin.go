package wscore

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// originPolicy decides whether a browser's Origin may open a connection.
// With no patterns it requires same-origin; otherwise an origin must match one
// of the Autobahn-style patterns, where '*' matches any run of characters.
type originPolicy struct {
	any       bool
	allowNull bool
	patterns  []string // normalized: lower case, explicit port
}

func newOriginPolicy(patterns []string) *originPolicy {
	p := &originPolicy{}
	for _, raw := range patterns {
		switch pat := strings.ToLower(strings.TrimSpace(raw)); pat {
		case "*":
			p.any = true
		case "null":
			p.allowNull = true
		default:
			p.patterns = append(p.patterns, normalizeOriginPattern(pat))
		}
	}
	return p
}

// checkOriginPattern reports a pattern that can never match an origin.
func checkOriginPattern(raw string) error {
	pat := strings.ToLower(strings.TrimSpace(raw))
	if pat == "*" || pat == "null" {
		return nil
	}
	scheme, rest, ok := strings.Cut(pat, "://")
	if !ok || scheme == "" || rest == "" || strings.ContainsAny(rest, "/?#") {
		return fmt.Errorf("pattern %q: want scheme://host[:port] with '*' wildcards, \"*\" or \"null\"", raw)
	}
	return nil
}

// normalizeOriginPattern makes a pattern's port explicit when it has none and
// its scheme is known, so "https://example.com" matches "https://example.com:443".
func normalizeOriginPattern(pat string) string {
	scheme, hostport, ok := strings.Cut(pat, "://")
	if !ok || hasPort(hostport) {
		return pat
	}
	if port := defaultPort(scheme); port != "" {
		return pat + ":" + port
	}
	return pat
}

// hasPort reports whether host[:port] (IPv6 in brackets) carries a port.
func hasPort(hostport string) bool {
	if strings.HasPrefix(hostport, "[") {
		return strings.Contains(hostport[strings.LastIndexByte(hostport, ']')+1:], ":")
	}
	return strings.Contains(hostport, ":")
}

func defaultPort(scheme string) string {
	switch scheme {
	case "http", "ws":
		return "80"
	case "https", "wss":
		return "443"
	}
	return ""
}

// normalizeOrigin turns an Origin header value into scheme://host:port, lower
// case, with the scheme's default port made explicit. ok is false for a value
// that is not an origin.
func normalizeOrigin(origin string) (norm, scheme, hostport string, ok bool) {
	u, err := url.Parse(origin)
	if err != nil || u.Scheme == "" || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", "", "", false
	}
	scheme = strings.ToLower(u.Scheme)
	hostport = strings.ToLower(u.Host)
	if !hasPort(hostport) {
		if port := defaultPort(scheme); port != "" {
			hostport = net.JoinHostPort(strings.Trim(hostport, "[]"), port)
		}
	}
	return scheme + "://" + hostport, scheme, hostport, true
}

// allow judges origin (the header's value, "" when absent) for a request to
// host. It returns a reason when the origin is refused.
func (p *originPolicy) allow(origin, host string) (ok bool, reason string) {
	if origin == "" {
		return true, "" // not a browser
	}
	if p.any {
		return true, ""
	}
	if strings.EqualFold(origin, "null") {
		if p.allowNull {
			return true, ""
		}
		return false, "origin null not allowed"
	}
	norm, scheme, hostport, valid := normalizeOrigin(origin)
	if !valid {
		return false, "invalid Origin header"
	}
	if len(p.patterns) == 0 {
		// Same origin: the Host, with the origin's default port when it has none
		// (a TLS-terminating proxy in front keeps Host without port).
		h := strings.ToLower(host)
		if !hasPort(h) {
			if port := defaultPort(scheme); port != "" {
				h = net.JoinHostPort(strings.Trim(h, "[]"), port)
			}
		}
		if h == hostport {
			return true, ""
		}
		return false, "cross-origin request not allowed"
	}
	for _, pat := range p.patterns {
		if wildcardMatch(pat, norm) {
			return true, ""
		}
	}
	return false, "origin not allowed"
}

// wildcardMatch reports whether s matches pattern, where '*' matches any run of
// characters (also an empty one) and every other byte matches itself. It runs in
// O(len(pattern)*len(s)) at worst, without backtracking blow-up.
func wildcardMatch(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
