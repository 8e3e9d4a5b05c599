package wscore

import (
	"errors"
	"net/http"
	"strings"
)

// Extension is one offer or answer of a Sec-WebSocket-Extensions header
// (RFC 6455 section 9.1): an extension name and its parameters, in order.
type Extension struct {
	Name   string
	Params []ExtensionParam
}

// ExtensionParam is one parameter of an Extension. HasValue distinguishes
// "client_max_window_bits" from "client_max_window_bits=15". A quoted value is
// stored unquoted.
type ExtensionParam struct {
	Name     string
	Value    string
	HasValue bool
}

// String renders the extension as it appears in the header.
func (e Extension) String() string {
	var b strings.Builder
	b.WriteString(e.Name)
	for _, p := range e.Params {
		b.WriteString("; ")
		b.WriteString(p.Name)
		if p.HasValue {
			b.WriteByte('=')
			if isToken(p.Value) {
				b.WriteString(p.Value)
			} else {
				b.WriteByte('"')
				b.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(p.Value))
				b.WriteByte('"')
			}
		}
	}
	return b.String()
}

var errBadExtensions = errors.New("malformed Sec-WebSocket-Extensions header")

// ParseExtensions parses every Sec-WebSocket-Extensions line of h into the list
// of extensions, in order. Names and parameter names must be tokens; values are
// tokens or quoted strings whose content is a token, as RFC 6455 requires. A
// malformed header is an error: the server answers it with 400.
func ParseExtensions(h http.Header) ([]Extension, error) {
	var exts []Extension
	for _, line := range h["Sec-Websocket-Extensions"] {
		p := extParser{s: line}
		for {
			p.skipSpace()
			if p.done() {
				break
			}
			if p.peek() == ',' { // empty list element
				p.i++
				continue
			}
			name, ok := p.token()
			if !ok {
				return nil, errBadExtensions
			}
			ext := Extension{Name: name}
			for {
				p.skipSpace()
				if p.done() || p.peek() == ',' {
					break
				}
				if p.peek() != ';' {
					return nil, errBadExtensions
				}
				p.i++
				p.skipSpace()
				pname, ok := p.token()
				if !ok {
					return nil, errBadExtensions
				}
				param := ExtensionParam{Name: pname}
				p.skipSpace()
				if !p.done() && p.peek() == '=' {
					p.i++
					p.skipSpace()
					v, ok := p.value()
					if !ok {
						return nil, errBadExtensions
					}
					param.Value, param.HasValue = v, true
				}
				ext.Params = append(ext.Params, param)
			}
			exts = append(exts, ext)
			if !p.done() { // at ','
				p.i++
			}
		}
	}
	return exts, nil
}

type extParser struct {
	s string
	i int
}

func (p *extParser) done() bool { return p.i >= len(p.s) }
func (p *extParser) peek() byte { return p.s[p.i] }

func (p *extParser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *extParser) token() (string, bool) {
	start := p.i
	for p.i < len(p.s) && isTokenChar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i], p.i > start
}

// value reads a token or a quoted string; RFC 6455 9.1 requires the unquoted
// content of a quoted string to be a token as well.
func (p *extParser) value() (string, bool) {
	if p.done() {
		return "", false
	}
	if p.peek() != '"' {
		return p.token()
	}
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		switch c {
		case '"':
			v := b.String()
			return v, isToken(v)
		case '\\':
			if p.i >= len(p.s) {
				return "", false
			}
			c = p.s[p.i]
			p.i++
		}
		b.WriteByte(c)
	}
	return "", false // unterminated
}
