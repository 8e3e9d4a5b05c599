package wscore

import (
	"bytes"
	"crypto/sha1"
	"fmt"
	"math/rand"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
)

// The Autobahn|Testsuite's sections 12 and 13 (permessage-deflate), reproduced
// from crossbario/autobahn-testsuite case/case12_x_x.py (see
// /work/notes/autobahn-cases-12-13.md). Every case: the fuzzer offers
// permessage-deflate, then sends COUNT messages of LEN bytes, one at a time,
// each a window of the case's test file that wraps around its end, compressed
// (fragmented into AUTOFRAGSIZE-byte frames of compressed data when set), and
// waits for each echo, which must match byte for byte; then it closes with
// 1000 and expects a clean close. Section 12 uses the default offer with five
// kinds of data; section 13 uses JSON text with seven offer lists.
//
// The server runs the configuration of examples/autobahn (every offer
// accepted with DefaultDeflateAccept). The client here is the raw
// wstest.DeflateClient: it compresses with klauspost's flate at the window the
// server granted and inflates the server's messages with its own decoder,
// which also checks that the server never refers further back than the
// server_max_window_bits it answered (Autobahn's zlib would fail with
// "invalid distance too far back").
//
// The suite sends 1000 messages per case; here larger messages are sent fewer
// times (at least 4, about 32 KiB per case, 8 KiB with -short) to keep the
// run short. Set WSPLUG_AUTOBAHN_FULL=1 for the suite's full counts (about
// 7 minutes on two cores; pass -timeout 30m).

// autobahnSizes are MSG_SIZES: case y of every sub-category uses row y
// (message size, fragment size of the client's compressed frames, and the
// case's time limit, WAITSECS).
var autobahnSizes = []struct{ size, frag, waitSecs int }{
	{16, 0, 60}, {64, 0, 60}, {256, 0, 120}, {1024, 0, 240}, {4096, 0, 480}, {8192, 0, 480},
	{16384, 0, 480}, {32768, 0, 480}, {65536, 0, 480}, {131072, 0, 480}, {8192, 256, 480},
	{16384, 256, 480}, {32768, 256, 480}, {65536, 256, 480}, {131072, 256, 480},
	{131072, 1024, 480}, {131072, 4096, 480}, {131072, 32768, 480},
}

// autobahnData stands in for the suite's test files: data of the same
// character and order of size, generated deterministically.
type autobahnData struct {
	name   string
	binary bool
	data   func() []byte
}

var section12Data = []autobahnData{
	{"json_data1", false, jsonData},      // 12.1: large JSON, text
	{"lena512", true, bitmapData},        // 12.2: 512x512 bitmap, binary
	{"gutenberg_faust", true, proseData}, // 12.3: German proseData, sent as binary
	{"html_data1", false, htmlData},      // 12.4: large HTML, text
	{"ooms", true, pdfData},              // 12.5: a larger PDF, binary
}

// section13Offers are the client offer lists of 13.1 to 13.7:
// (requestNoContextTakeover, requestMaxWindowBits) tuples, each offer also
// carrying client_no_context_takeover; client_max_window_bits as every
// PerMessageDeflateOffer does.
var section13Offers = [][]struct {
	noContext bool
	bits      int
}{
	{{false, 0}},
	{{true, 0}},
	{{false, 8}},
	{{false, 15}},
	{{true, 8}},
	{{true, 15}},
	{{true, 8}, {true, 0}, {false, 0}},
}

func autobahnOffer(noContext bool, bits int) string {
	s := "permessage-deflate; client_no_context_takeover; client_max_window_bits"
	if noContext {
		s += "; server_no_context_takeover"
	}
	if bits != 0 {
		s += fmt.Sprintf("; server_max_window_bits=%d", bits)
	}
	return s
}

func TestAutobahn_12(t *testing.T) {
	for j, d := range section12Data {
		for y := range autobahnSizes {
			id := fmt.Sprintf("12_%d_%d", j+1, y+1)
			t.Run(id, func(t *testing.T) {
				t.Parallel()
				runDeflateCase(t, d, autobahnOffer(false, 0), "", y)
			})
		}
	}
}

func TestAutobahn_13(t *testing.T) {
	for j, offers := range section13Offers {
		parts := make([]string, len(offers))
		for i, o := range offers {
			parts[i] = autobahnOffer(o.noContext, o.bits)
		}
		offer := strings.Join(parts, ", ")
		// RFC 7692: the first offer is acceptable, so it is the one answered,
		// with what it asked of the server echoed.
		want := "permessage-deflate"
		if offers[0].noContext {
			want += "; server_no_context_takeover"
		}
		want += "; client_no_context_takeover"
		if offers[0].bits != 0 {
			want += fmt.Sprintf("; server_max_window_bits=%d", offers[0].bits)
		}
		for y := range autobahnSizes {
			id := fmt.Sprintf("13_%d_%d", j+1, y+1)
			t.Run(id, func(t *testing.T) {
				t.Parallel()
				runDeflateCase(t, section12Data[0], offer, want, y)
			})
		}
	}
}

// runDeflateCase plays one case against a fresh server.
func runDeflateCase(t *testing.T, d autobahnData, offer, wantExt string, row int) {
	ts := startServer(t, Options{
		PerMessageCompressionAccept: DefaultDeflateAccept,
		MaxMessagePayloadSize:       64 << 20,
	})
	dc, err := wstest.DialDeflate(ts.Addr, offer)
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	if dc.Resp.StatusCode != 101 {
		t.Fatalf("handshake: %s", dc.Resp.Status)
	}
	if dc.Extensions == "" {
		t.Fatal("permessage-deflate not negotiated: the case would be UNIMPLEMENTED")
	}
	if wantExt != "" && dc.Extensions != wantExt {
		t.Fatalf("answered %q, want %q", dc.Extensions, wantExt)
	}

	size, frag := autobahnSizes[row].size, autobahnSizes[row].frag
	count := 1000
	if os.Getenv("WSPLUG_AUTOBAHN_FULL") == "" {
		budget := 32 << 10
		if testing.Short() {
			budget = 8 << 10
		}
		count = min(1000, max(4, budget/size))
	}
	data := d.data()
	op := byte(wstest.OpText)
	if d.binary {
		op = wstest.OpBinary
	}
	deadline := time.Now().Add(time.Duration(autobahnSizes[row].waitSecs) * time.Second)
	ptr := 0
	for i := 0; i < count; i++ {
		to := (ptr + size) % len(data)
		var msg []byte
		if to > ptr {
			msg = data[ptr:to]
		} else {
			msg = append(append([]byte(nil), data[ptr:]...), data[:to]...)
		}
		ptr = to
		sum := sha1.Sum(msg)
		if err := dc.SendCompressed(op, msg, frag); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		gop, got, _, err := dc.ReadMessage(time.Until(deadline))
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if gop != op || len(got) != size || sha1.Sum(got) != sum {
			t.Fatalf("message %d: echo op %d, %d bytes, payload differs: %v", i, gop, len(got), sha1.Sum(got) != sum)
		}
	}
	if bits := dc.ServerMaxWindowBits; bits != 0 && dc.MaxDistance > 1<<bits {
		t.Fatalf("server referred %d bytes back with server_max_window_bits=%d", dc.MaxDistance, bits)
	}

	// Close(1000): answered with 1000, TCP closed by the server.
	if err := dc.WriteFrame(wstest.CloseFrame(1000, "")); err != nil {
		t.Fatal(err)
	}
	gop, p, _, err := dc.ReadMessage(5 * time.Second)
	if err != nil || gop != wstest.OpClose {
		t.Fatalf("want the close reply, got op %d, %v", gop, err)
	}
	if code, _ := wstest.CloseCode(p); code != 1000 {
		t.Fatalf("close reply %d", code)
	}
	if _, err := dc.WaitClosed(2 * time.Second); err != nil {
		t.Fatalf("server did not close TCP: %v", err)
	}
	if ci := ts.nextClose(t); !ci.wasClean || ci.code != 1000 {
		t.Fatalf("OnClose %+v", ci)
	}
}

// Test data, generated once.

var (
	dataOnce                                             sync.Once
	jsonBytes, bmpBytes, faustBytes, htmlBytes, pdfBytes []byte
)

func makeData() {
	dataOnce.Do(func() {
		r := rand.New(rand.NewSource(12))
		words := []string{"alpha", "beta", "gamma", "delta", "status", "active", "value", "name", "items", "count", "id", "url", "https://example.org/a/b", "true", "false", "null"}

		// ~190 KB of JSON records.
		var j bytes.Buffer
		j.WriteString("[")
		for i := 0; j.Len() < 190000; i++ {
			if i > 0 {
				j.WriteString(",\n")
			}
			fmt.Fprintf(&j, `{"id": %d, "name": "%s %s", "tags": ["%s", "%s"], "score": %.3f, "active": %v, "url": "https://example.org/items/%d"}`,
				r.Intn(100000), words[r.Intn(len(words))], words[r.Intn(len(words))], words[r.Intn(len(words))], words[r.Intn(len(words))],
				r.Float64()*1000, r.Intn(2) == 0, r.Intn(5000))
		}
		j.WriteString("]")
		jsonBytes = j.Bytes()

		// A 512x512 8-bit grayscale BMP: smooth shading with noise.
		var b bytes.Buffer
		b.WriteString("BM")
		b.Write(make([]byte, 1076)) // header and palette, zeroed
		for y := 0; y < 512; y++ {
			for x := 0; x < 512; x++ {
				v := (x*x+y*y)/1024 + (x*y)/512 + r.Intn(12)
				b.WriteByte(byte(v))
			}
		}
		bmpBytes = b.Bytes()

		// ~220 KB of German-looking proseData with umlauts (UTF-8).
		de := []string{"Faust", "Mephistopheles", "Gretchen", "über", "müssen", "schön", "Größe", "Geist", "Welt", "und", "die", "der", "ich", "nicht", "Natur", "Erkenntnis", "Himmel", "Erde", "höre", "Tränen"}
		var f bytes.Buffer
		for f.Len() < 220000 {
			n := 5 + r.Intn(10)
			for i := 0; i < n; i++ {
				f.WriteString(de[r.Intn(len(de))])
				f.WriteByte(' ')
			}
			f.WriteString(".\n")
		}
		faustBytes = f.Bytes()

		// ~160 KB of HTML (every file is longer than the largest message, 128 KiB,
		// or its wrapped windows would be shorter than LEN).
		var h bytes.Buffer
		h.WriteString("<!DOCTYPE html><html><head><title>data</title></head><body>\n")
		for h.Len() < 160000 {
			fmt.Fprintf(&h, "<div class=\"row %s\"><a href=\"/%s/%d\">%s</a><span>%d</span></div>\n",
				words[r.Intn(len(words))], words[r.Intn(len(words))], r.Intn(1000), words[r.Intn(len(words))], r.Intn(1000000))
		}
		h.WriteString("</body></html>\n")
		htmlBytes = h.Bytes()

		// ~400 KB PDF-like: text objects and incompressible streams.
		var p bytes.Buffer
		p.WriteString("%PDF-1.4\n")
		for i := 1; p.Len() < 400000; i++ {
			fmt.Fprintf(&p, "%d 0 obj\n<< /Type /Page /Length %d /Filter /FlateDecode >>\nstream\n", i, 2000)
			noise := make([]byte, 2000)
			r.Read(noise)
			p.Write(noise)
			p.WriteString("\nendstream\nendobj\n")
		}
		pdfBytes = p.Bytes()
	})
}

func jsonData() []byte   { makeData(); return jsonBytes }
func bitmapData() []byte { makeData(); return bmpBytes }
func proseData() []byte  { makeData(); return faustBytes }
func htmlData() []byte   { makeData(); return htmlBytes }
func pdfData() []byte    { makeData(); return pdfBytes }
