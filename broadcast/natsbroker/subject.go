package natsbroker

import "strings"

const hexDigits = "0123456789ABCDEF"

// Subject returns the NATS subject of a topic: prefix, a dot, and the topic
// escaped as a single token. Letters, digits, '-' and '_' are kept; every
// other byte (dots, wildcards, white space, '%', non-ASCII) becomes %XX, so
// distinct topics get distinct subjects and none is a wildcard.
func Subject(prefix, topic string) string {
	var b strings.Builder
	b.Grow(len(prefix) + 1 + len(topic))
	b.WriteString(prefix)
	b.WriteByte('.')
	for i := 0; i < len(topic); i++ {
		c := topic[i]
		if isTokenByte(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

func isTokenByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// unescapeToken reverses the escaping of one token; ok is false for a token
// Subject cannot produce.
func unescapeToken(tok string) (topic string, ok bool) {
	var b strings.Builder
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		switch {
		case isTokenByte(c):
			b.WriteByte(c)
		case c == '%' && i+2 < len(tok):
			hi, lo := strings.IndexByte(hexDigits, tok[i+1]), strings.IndexByte(hexDigits, tok[i+2])
			if hi < 0 || lo < 0 {
				return "", false
			}
			v := byte(hi<<4 | lo)
			if isTokenByte(v) {
				return "", false // Subject keeps these bytes as they are
			}
			b.WriteByte(v)
			i += 2
		default:
			return "", false
		}
	}
	return b.String(), true
}
