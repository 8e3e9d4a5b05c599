package wscore

import (
	"errors"
	"strings"
	"testing"
)

func TestCloseCodes(t *testing.T) {
	t.Parallel()
	valid := map[int]bool{}
	for c := 1000; c <= 1003; c++ {
		valid[c] = true
	}
	for c := 1007; c <= 1014; c++ {
		valid[c] = true
	}
	for c := 3000; c <= 4999; c++ {
		valid[c] = true
	}
	for c := 0; c < 70000; c++ {
		if validCloseCode(c) != valid[c] {
			t.Errorf("validCloseCode(%d) = %v", c, !valid[c])
		}
	}
}

func TestParseClosePayload(t *testing.T) {
	t.Parallel()
	tests := []struct {
		payload string
		code    int
		reason  string
		fail    int
	}{
		{"", CloseNoStatus, "", 0},
		{"\x03", 0, "", CloseProtocolError},
		{"\x03\xe8", 1000, "", 0},
		{"\x03\xe8bye", 1000, "bye", 0},
		{"\x0f\xa0κόσμε", 4000, "κόσμε", 0},
		{"\x03\xed", 0, "", CloseProtocolError},              // 1005
		{"\x03\xe8\xed\xa0\x80", 0, "", CloseInvalidPayload}, // surrogate in the reason
		{"\x13\x88", 0, "", CloseProtocolError},              // 5000
	}
	for _, tc := range tests {
		code, reason, fail, _ := parseClosePayload([]byte(tc.payload), true)
		if code != tc.code || reason != tc.reason || fail != tc.fail {
			t.Errorf("%q: (%d, %q, %d), want (%d, %q, %d)", tc.payload, code, reason, fail, tc.code, tc.reason, tc.fail)
		}
	}
}

func TestCheckOutgoingClose(t *testing.T) {
	t.Parallel()
	ok := []struct {
		code   int
		reason string
	}{{0, ""}, {1000, ""}, {1000, strings.Repeat("x", 123)}, {4999, "κόσμε"}, {1011, "oops"}}
	for _, c := range ok {
		if err := checkOutgoingClose(c.code, c.reason); err != nil {
			t.Errorf("(%d, %d bytes): %v", c.code, len(c.reason), err)
		}
	}
	bad := []struct {
		code   int
		reason string
	}{{0, "reason without code"}, {1005, ""}, {1006, ""}, {999, ""}, {5000, ""}, {1000, strings.Repeat("x", 124)}, {1000, "\xff"}}
	for _, c := range bad {
		if err := checkOutgoingClose(c.code, c.reason); err == nil {
			t.Errorf("(%d, %q) accepted", c.code, c.reason)
		}
	}
	e := &CloseError{Code: 1001, Reason: "bye"}
	if !strings.Contains(e.Error(), "1001") || !strings.Contains(e.Error(), "going away") {
		t.Errorf("CloseError text %q", e.Error())
	}
	var target *CloseError
	if !errors.As(error(e), &target) {
		t.Error("errors.As")
	}
}
