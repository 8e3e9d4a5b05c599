package wscore

import (
	"net/http"
	"strings"
)

// isTokenChar reports whether c may appear in an HTTP token (RFC 9110 5.6.2).
func isTokenChar(c byte) bool {
	if c <= ' ' || c >= 0x7F {
		return false
	}
	return !strings.ContainsRune("\"(),/:;<=>?@[\\]{}", rune(c))
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

// headerHasToken reports whether a comma-separated header (all its lines) lists
// token, compared case-insensitively (Connection: keep-alive, Upgrade).
func headerHasToken(h http.Header, name, token string) bool {
	for _, line := range h[name] {
		for line != "" {
			var item string
			item, line, _ = strings.Cut(line, ",")
			if strings.EqualFold(strings.TrimSpace(item), token) {
				return true
			}
		}
	}
	return false
}

// headerTokens returns the items of a comma-separated header (all its lines),
// trimmed, without empty items, and whether every item is a token.
func headerTokens(h http.Header, name string) (items []string, ok bool) {
	ok = true
	for _, line := range h[name] {
		for line != "" {
			var item string
			item, line, _ = strings.Cut(line, ",")
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			if !isToken(item) {
				ok = false
			}
			items = append(items, item)
		}
	}
	return items, ok
}

// validHeaderValue reports whether v can be sent as a header value without
// changing the message's structure (no CR, LF or other control bytes).
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < ' ' && c != '\t' || c == 0x7F {
			return false
		}
	}
	return true
}
