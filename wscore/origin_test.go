package wscore

import "testing"

func TestOriginPolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		patterns []string
		origin   string
		host     string
		allow    bool
	}{
		{nil, "", "example.com", true}, // not a browser
		{nil, "http://example.com", "example.com", true},
		{nil, "https://example.com", "example.com", true}, // TLS-terminating proxy: Host has no port
		{nil, "https://example.com", "example.com:443", true},
		{nil, "http://example.com", "example.com:443", false},
		{nil, "http://EXAMPLE.com:8080", "example.COM:8080", true},
		{nil, "http://example.com:8080", "example.com", false},
		{nil, "http://evil.com", "example.com", false},
		{nil, "http://[::1]:9000", "[::1]:9000", true},
		{nil, "null", "example.com", false},
		{nil, "not a url", "example.com", false},
		{nil, "http://user@example.com", "example.com", false},
		{[]string{"null"}, "null", "example.com", true},
		{[]string{"*"}, "http://evil.com", "example.com", true},
		{[]string{"https://*.example.com:*"}, "https://a.b.example.com:8443", "x", true},
		{[]string{"https://*.example.com:*"}, "https://a.example.com", "x", true},
		{[]string{"https://*.example.com:*"}, "http://a.example.com", "x", false},
		{[]string{"https://*.example.com:*"}, "https://example.com", "x", false},
		{[]string{"https://example.com"}, "https://example.com", "x", true}, // port made explicit on both sides
		{[]string{"https://example.com"}, "https://example.com:443", "x", true},
		{[]string{"https://example.com"}, "https://example.com:444", "x", false},
		{[]string{"http://localhost:*"}, "http://localhost:3000", "x", true},
		{[]string{"http://localhost:*"}, "http://localhost.evil.com:3000", "x", false},
	}
	for _, tc := range tests {
		ok, why := newOriginPolicy(tc.patterns).allow(tc.origin, tc.host)
		if ok != tc.allow {
			t.Errorf("patterns %v origin %q host %q: allow=%v (%s), want %v", tc.patterns, tc.origin, tc.host, ok, why, tc.allow)
		}
	}
}

func TestWildcardMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p, s string
		want bool
	}{
		{"", "", true}, {"*", "", true}, {"*", "abc", true}, {"a*c", "abbbc", true}, {"a*c", "ab", false},
		{"*.x.com", ".x.com", true}, {"**", "z", true}, {"a*b*c", "aXbYc", true}, {"a*b*c", "aXbY", false},
	}
	for _, tc := range tests {
		if got := wildcardMatch(tc.p, tc.s); got != tc.want {
			t.Errorf("wildcardMatch(%q, %q) = %v", tc.p, tc.s, got)
		}
	}
}
