package wscore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
)

// deflatePlan is the JSON plan of interop/autobahn_deflate_client.py.
type deflatePlan struct {
	Offer    map[string]any   `json:"offer"`
	Messages []deflatePlanMsg `json:"messages"`
	Timeout  int              `json:"timeout"`
}

type deflatePlanMsg struct {
	Size int    `json:"size"`
	Kind string `json:"kind"` // text, binary (compressible), random
	Seed int    `json:"seed"`
}

type deflateResult struct {
	Echoed     int               `json:"echoed"`
	Errors     []string          `json:"errors"`
	Clean      bool              `json:"clean"`
	Code       *int              `json:"code"`
	Reason     *string           `json:"reason"`
	Extensions string            `json:"extensions"`
	Negotiated *autobahnDeflated `json:"negotiated"`
	InApp      int64             `json:"in_app"`
	InWS       int64             `json:"in_ws"`
	OutApp     int64             `json:"out_app"`
	OutWS      int64             `json:"out_ws"`
}

// autobahnDeflated is Autobahn's PerMessageDeflate as it reports itself
// (window bits 15 when the parameter was absent).
type autobahnDeflated struct {
	ServerNoContextTakeover bool `json:"server_no_context_takeover"`
	ClientNoContextTakeover bool `json:"client_no_context_takeover"`
	ServerMaxWindowBits     int  `json:"server_max_window_bits"`
	ClientMaxWindowBits     int  `json:"client_max_window_bits"`
}

// runAutobahnDeflate runs the Autobahn|Python deflate client against url; the
// process is killed by its context when it outlives the timeout.
func runAutobahnDeflate(t *testing.T, url string, plan deflatePlan) deflateResult {
	t.Helper()
	wstest.NeedAutobahnPython(t)
	script, err := filepath.Abs("../interop/autobahn_deflate_client.py")
	if err != nil {
		t.Fatal(err)
	}
	planJSON, _ := json.Marshal(plan)
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(plan.Timeout+30)*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, wstest.DebianPython, script, url, string(planJSON))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil && len(out) == 0 {
		t.Fatalf("autobahn deflate client: %v\n%s", err, stderr.String())
	}
	var res deflateResult
	if err := json.Unmarshal(bytes.TrimSpace(out), &res); err != nil {
		t.Fatalf("autobahn deflate client output %q: %v\n%s", out, err, stderr.String())
	}
	return res
}

// TestInteropAutobahnPythonDeflate runs Autobahn|Python's client with each
// kind of PerMessageDeflateOffer (Debian's 22.7.1 allows window bits 9 to 15)
// against a server accepting with DefaultDeflateAccept or a DeflateAcceptor,
// echoing compressible and random messages, some repeated so that context
// takeover matters. Autobahn inflates with zlib at the window it negotiated,
// so a server exceeding it fails here.
func TestInteropAutobahnPythonDeflate(t *testing.T) {
	type variant struct {
		name   string
		offer  map[string]any
		accept DeflateAcceptor
		ext    string           // the server's answer
		want   autobahnDeflated // what Autobahn then uses
	}
	variants := []variant{
		{"default offer", map[string]any{}, DeflateAcceptor{},
			"permessage-deflate; client_no_context_takeover", autobahnDeflated{false, true, 15, 15}},
		{"accept_no_context_takeover=False (client takeover)", map[string]any{"accept_no_context_takeover": false}, DeflateAcceptor{},
			"permessage-deflate", autobahnDeflated{false, false, 15, 15}},
		{"accept_max_window_bits=False", map[string]any{"accept_max_window_bits": false}, DeflateAcceptor{},
			"permessage-deflate; client_no_context_takeover", autobahnDeflated{false, true, 15, 15}},
		{"request_no_context_takeover", map[string]any{"request_no_context_takeover": true}, DeflateAcceptor{},
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover", autobahnDeflated{true, true, 15, 15}},
		{"client window 9 with client takeover", map[string]any{"accept_no_context_takeover": false}, DeflateAcceptor{ClientMaxWindowBits: 9},
			"permessage-deflate; client_max_window_bits=9", autobahnDeflated{false, false, 15, 9}},
		{"windows 10/12, server no takeover", map[string]any{"accept_no_context_takeover": false, "request_no_context_takeover": true, "request_max_window_bits": 10},
			DeflateAcceptor{ClientMaxWindowBits: 12},
			"permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12", autobahnDeflated{true, false, 10, 12}},
		{"server asks no takeover both ways", map[string]any{"accept_no_context_takeover": false}, DeflateAcceptor{ServerNoContextTakeover: true, ClientNoContextTakeover: true},
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover", autobahnDeflated{true, true, 15, 15}},
	}
	for bits := 9; bits <= 15; bits++ {
		variants = append(variants, variant{fmt.Sprintf("request_max_window_bits=%d", bits),
			map[string]any{"request_max_window_bits": bits}, DeflateAcceptor{},
			fmt.Sprintf("permessage-deflate; client_no_context_takeover; server_max_window_bits=%d", bits),
			autobahnDeflated{false, true, bits, 15}})
	}

	var msgs []deflatePlanMsg
	for i, n := range []int{0, 1, 100, 1000, 5000, 40000, 100000, 300000} {
		msgs = append(msgs,
			deflatePlanMsg{n, "text", i}, deflatePlanMsg{n, "text", i}, // a repeat: takeover shrinks it
			deflatePlanMsg{n, "binary", i}, deflatePlanMsg{n, "random", i})
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			ts := startServer(t, Options{PerMessageCompressionAccept: v.accept.Accept})
			res := runAutobahnDeflate(t, ts.URL, deflatePlan{Offer: v.offer, Messages: msgs, Timeout: 60})
			if res.Echoed != len(msgs) || len(res.Errors) > 0 || !res.Clean || res.Code == nil || *res.Code != 1000 {
				t.Fatalf("autobahn client result %+v", res)
			}
			if res.Extensions != v.ext {
				t.Fatalf("server answered %q, want %q", res.Extensions, v.ext)
			}
			if res.Negotiated == nil || *res.Negotiated != v.want {
				t.Fatalf("Autobahn negotiated %+v, want %+v", res.Negotiated, v.want)
			}
			// Both directions were compressed.
			if res.InWS*10 > res.InApp*8 || res.OutWS*10 > res.OutApp*8 {
				t.Fatalf("little compression: in %d/%d, out %d/%d (wire/app)", res.InWS, res.InApp, res.OutWS, res.OutApp)
			}
			t.Logf("wire/app: from server %d/%d, to server %d/%d", res.InWS, res.InApp, res.OutWS, res.OutApp)
			if ci := ts.nextClose(t); !ci.wasClean || ci.code != 1000 {
				t.Fatalf("OnClose %+v", ci)
			}
		})
	}
}
