package natsbroker

import (
	"github.com/wsplug/wsplug/broadcast/natsbroker/natstest"

	"strings"
	"testing"
)

func TestSubject(t *testing.T) {
	for topic, want := range map[string]string{
		"room42":   "wsplug.room42",
		"a.b":      "wsplug.a%2Eb",
		"*":        "wsplug.%2A",
		">":        "wsplug.%3E",
		"a b\tc":   "wsplug.a%20b%09c",
		"%41":      "wsplug.%2541",
		"ü":        "wsplug.%C3%BC",
		"x-y_Z":    "wsplug.x-y_Z",
		"$SYS.foo": "wsplug.%24SYS%2Efoo",
	} {
		if got := Subject("wsplug", topic); got != want {
			t.Errorf("Subject(%q) = %q, want %q", topic, got, want)
		}
	}
}

// FuzzSubject checks that every topic becomes exactly one subject token with
// no character NATS treats specially, and that distinct topics never share a
// subject (the escaping is reversible).
func FuzzSubject(f *testing.F) {
	for _, s := range []string{"", "a.b", "*", ">", " ", "%", "%2E", "ü", "a..b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, topic string) {
		subj := Subject("p", topic)
		tok, ok := strings.CutPrefix(subj, "p.")
		if !ok {
			t.Fatalf("Subject(%q) = %q lost its prefix", topic, subj)
		}
		if strings.ContainsAny(tok, ".*> \t\r\n\f\v") {
			t.Fatalf("Subject(%q) = %q: the token holds a special character", topic, subj)
		}
		for i := 0; i < len(tok); i++ {
			if tok[i] < 0x21 || tok[i] > 0x7e {
				t.Fatalf("Subject(%q) = %q: byte %#x is not printable ASCII", topic, subj, tok[i])
			}
		}
		back, ok := unescapeToken(tok)
		if !ok || back != topic {
			t.Fatalf("Subject(%q) = %q does not map back (%q, %v)", topic, subj, back, ok)
		}
	})
}

func TestUnescapeRejects(t *testing.T) {
	for _, tok := range []string{"%", "%4", "%GG", "%41", "a.b", "%2e"} {
		if got, ok := unescapeToken(tok); ok {
			t.Errorf("unescapeToken(%q) = %q, accepted a token Subject cannot make", tok, got)
		}
	}
}

func TestOptionErrors(t *testing.T) {
	s := natstest.Start(t)
	for _, p := range []string{"a.*", "a.>", ".a", "a.", "a..b", "a b"} {
		if b, err := Dial(s.URL(), Options{Prefix: p}); err == nil {
			b.Close()
			t.Errorf("prefix %q accepted", p)
		}
	}
	if _, err := New(nil, Options{}); err == nil {
		t.Error("New(nil) accepted")
	}
	if _, err := Dial("nats://127.0.0.1:1", Options{}); err == nil {
		t.Error("Dial to a closed port succeeded")
	}
}
