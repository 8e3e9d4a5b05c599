package wscore

import (
	"reflect"
	"strings"
	"testing"

	"github.com/wsplug/wsplug/internal/wstest"
)

// StatsWithWire is Stats and WireBytes in one snapshot: on a quiet server the
// three agree, while connections are open and after they end.
func TestStatsWithWire(t *testing.T) {
	ts := deflateServer(t, DeflateAcceptor{}, Options{})
	dc := dialDeflate(t, ts, "permessage-deflate")
	msg := []byte(strings.Repeat("one snapshot, one walk ", 200))
	for i := 0; i < 3; i++ {
		deflateEcho(t, dc, wstest.OpText, msg, true, 0)
	}
	ts.refuse(RefusedOrigin)
	check := func(when string) {
		t.Helper()
		ws, st := ts.StatsWithWire(), ts.Stats()
		in, out := ts.WireBytes()
		ws.Uptime, st.Uptime = 0, 0
		if !reflect.DeepEqual(ws.Stats, st) || ws.WireIn != in || ws.WireOut != out {
			t.Fatalf("%s: StatsWithWire %+v, want Stats %+v and WireBytes %d/%d", when, ws, st, in, out)
		}
		if ws.WireIn == 0 || ws.WireIn*5 > ws.BytesIn || ws.WireOut == 0 || ws.WireOut*5 > ws.BytesOut {
			t.Fatalf("%s: compressible traffic: app bytes %d/%d, wire %d/%d", when, ws.BytesIn, ws.BytesOut, ws.WireIn, ws.WireOut)
		}
	}
	check("open")
	dc.WriteFrame(wstest.CloseFrame(1000, ""))
	ts.nextClose(t)
	check("ended")

	plain := startServer(t, Options{})
	if ws := plain.StatsWithWire(); ws.WireIn != 0 || ws.WireOut != 0 || ws.Open != 0 || ws.Refused == nil {
		t.Errorf("a fresh server: %+v", ws)
	}
}
