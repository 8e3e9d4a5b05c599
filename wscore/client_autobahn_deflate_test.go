package wscore

import (
	"crypto/sha1"
	"fmt"
	"net/url"
	"strconv"
	"testing"
	"time"
)

// The client side of the Autobahn|Testsuite's sections 12 and 13: in
// fuzzingserver mode the testsuite is the server, accepts the client's
// permessage-deflate offers with the case's accept function, sends COUNT
// messages of LEN bytes (each a window of the case's test file, fragmented
// into AUTOFRAGSIZE-byte frames), one at a time, and checks each echo by
// SHA-1; then it closes with 1000 and expects a clean close. Here the client
// is wscore's, with the offers of examples/autobahn-client, and the server is
//   - wscore, playing the fuzzingserver's part (sending and checking), with
//     each of the testsuite's accept functions (13.1 to 13.7) and the other
//     answers a server may give: every client_max_window_bits from 8 to 15,
//     client_no_context_takeover, server_no_context_takeover, a server window
//     of 8 bits, all at once;
//   - Autobahn|Python's server (interop/autobahn_echo_server.py), whose real
//     zlib inflates what our client compressed with the window it was given:
//     the testsuite's accept functions as this Autobahn|Python allows them
//     (9 bits instead of 8), every client_max_window_bits from 9 to 15, and a
//     server that compresses without takeover at 9 bits without saying so.
//
// The data, sizes and fragment sizes are those of autobahn_deflate_test.go;
// counts are trimmed as there (fewer messages for large sizes), more so under
// the race detector.

// autobahnClientOffers are the offers of examples/autobahn-client (its test
// checks that it sends exactly these).
var autobahnClientOffers = []DeflateOffer{
	{ClientMaxWindowBits: -1},
	{ClientNoContextTakeover: true, ClientMaxWindowBits: -1},
}

// fuzzingServerAccept is the fuzzingserver's accept function of case 13.n
// (autobahn-testsuite case12_x_x.py, accept1 to accept7) in wscore's terms:
// the first offer that allows what the case asks of the client
// (client_no_context_takeover, client_max_window_bits) is answered with that
// request, and with what the offer asked of the server; no such offer, no
// compression (the case would be UNIMPLEMENTED). Section 12 uses accept1.
func fuzzingServerAccept(n int) func([]DeflateOffer) *DeflateResponse {
	type req struct {
		noContext bool
		bits      int
	}
	variants := map[int][]req{
		1: {{false, 0}}, 2: {{true, 0}}, 3: {{false, 8}}, 4: {{false, 15}},
		5: {{true, 8}}, 6: {{true, 15}}, 7: {{true, 8}, {true, 0}, {false, 0}},
	}
	return func(offers []DeflateOffer) *DeflateResponse {
		for _, r := range variants[n] {
			for _, o := range offers {
				if (r.noContext && !o.ClientNoContextTakeover) || (r.bits != 0 && o.ClientMaxWindowBits == 0) {
					continue
				}
				return &DeflateResponse{
					ServerNoContextTakeover: o.ServerNoContextTakeover,
					ServerMaxWindowBits:     o.ServerMaxWindowBits,
					ClientNoContextTakeover: r.noContext,
					ClientMaxWindowBits:     r.bits,
				}
			}
		}
		return nil
	}
}

// clientDeflateVariant is one way a server answers the client's offers.
type clientDeflateVariant struct {
	name   string
	accept func([]DeflateOffer) *DeflateResponse
	want   string // the answer
}

func answerWith(r DeflateResponse) func([]DeflateOffer) *DeflateResponse {
	return func([]DeflateOffer) *DeflateResponse { return &r }
}

func clientDeflateVariants() []clientDeflateVariant {
	vs := []clientDeflateVariant{
		{"13.1", fuzzingServerAccept(1), "permessage-deflate"},
		{"13.2", fuzzingServerAccept(2), "permessage-deflate; client_no_context_takeover"},
		{"13.3", fuzzingServerAccept(3), "permessage-deflate; client_max_window_bits=8"},
		{"13.4", fuzzingServerAccept(4), "permessage-deflate; client_max_window_bits=15"},
		{"13.5", fuzzingServerAccept(5), "permessage-deflate; client_no_context_takeover; client_max_window_bits=8"},
		{"13.6", fuzzingServerAccept(6), "permessage-deflate; client_no_context_takeover; client_max_window_bits=15"},
		{"13.7", fuzzingServerAccept(7), "permessage-deflate; client_no_context_takeover; client_max_window_bits=8"},
	}
	for bits := 9; bits <= 14; bits++ { // 8 and 15 are 13.3 and 13.4
		vs = append(vs, clientDeflateVariant{fmt.Sprintf("client_max_window_bits=%d", bits),
			answerWith(DeflateResponse{ClientMaxWindowBits: bits}), fmt.Sprintf("permessage-deflate; client_max_window_bits=%d", bits)})
	}
	return append(vs,
		clientDeflateVariant{"server_no_context_takeover", answerWith(DeflateResponse{ServerNoContextTakeover: true}), "permessage-deflate; server_no_context_takeover"},
		clientDeflateVariant{"server_max_window_bits=8", answerWith(DeflateResponse{ServerMaxWindowBits: 8}), "permessage-deflate; server_max_window_bits=8"},
		clientDeflateVariant{"everything", answerWith(DeflateResponse{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 9, ClientMaxWindowBits: 9}),
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=9"},
	)
}

// clientCaseCount is how many messages a client-side case sends.
func clientCaseCount(size int) int {
	budget, least := 32<<10, 4
	switch {
	case raceEnabled:
		budget, least = 2<<10, 2
	case testing.Short():
		budget, least = 8<<10, 2
	}
	return min(1000, max(least, budget/size))
}

// caseWindow returns the next message of a case: LEN bytes of the test data
// from *ptr on, wrapping around its end, as the testsuite's sendOne does.
func caseWindow(data []byte, ptr *int, size int) []byte {
	to := (*ptr + size) % len(data)
	var msg []byte
	if to > *ptr {
		msg = data[*ptr:to]
	} else {
		msg = append(append([]byte(nil), data[*ptr:]...), data[:to]...)
	}
	*ptr = to
	return msg
}

// caseDriver is the fuzzingserver's side of one case: it sends the messages
// and checks their echoes, then closes with 1000.
type caseDriver struct {
	BaseServerProtocol
	results chan<- string
	data    []byte
	binary  bool
	size    int
	count   int
	ptr     int
	sent    int
	want    [20]byte
	done    bool
}

func (p *caseDriver) OnConnect(r *ConnectionRequest) (Accept, error) {
	d, _ := strconv.Atoi(r.Query.Get("data"))
	row, _ := strconv.Atoi(r.Query.Get("row"))
	set := section12Data[d]
	p.data, p.binary = set.data(), set.binary
	p.size = autobahnSizes[row].size
	p.count = clientCaseCount(p.size)
	return Accept{}, nil
}

func (p *caseDriver) OnOpen(c *Conn) {
	if c.deflate == nil {
		p.finish(c, "UNIMPLEMENTED: permessage-deflate was not negotiated")
		return
	}
	p.sendOne(c)
}

func (p *caseDriver) sendOne(c *Conn) {
	msg := caseWindow(p.data, &p.ptr, p.size)
	p.want = sha1.Sum(msg)
	p.sent++
	if err := c.SendMessage(msg, p.binary); err != nil {
		p.finish(c, "send: "+err.Error())
	}
}

func (p *caseDriver) OnMessage(c *Conn, payload []byte, isBinary bool) {
	switch {
	case p.done:
	case isBinary != p.binary || len(payload) != p.size || sha1.Sum(payload) != p.want:
		p.finish(c, fmt.Sprintf("message %d: echo binary %v, %d bytes, differs", p.sent, isBinary, len(payload)))
	case p.sent < p.count:
		p.sendOne(c)
	default:
		p.finish(c, "ok")
	}
}

func (p *caseDriver) finish(c *Conn, result string) {
	if !p.done {
		p.done = true
		p.results <- result
		c.SendClose(CloseNormal, "")
	}
}

func (p *caseDriver) OnClose(c *Conn, wasClean bool, code int, reason string) {
	if !p.done {
		p.done = true
		p.results <- fmt.Sprintf("closed early: clean %v, %d %q", wasClean, code, reason)
	}
}

// clientEcho echoes every message, as examples/autobahn-client does.
type clientEcho struct {
	BaseClientProtocol
	closed chan closeInfo
}

func (clientEcho) OnMessage(c *Conn, payload []byte, isBinary bool) { c.SendMessage(payload, isBinary) }

func (p clientEcho) OnClose(c *Conn, wasClean bool, code int, reason string) {
	p.closed <- closeInfo{wasClean: wasClean, code: code, reason: reason}
}

// caseServers are the fuzzing servers of one answer variant, one per
// fragment size (the server's AutoFragmentSize).
type caseServers struct {
	urls    map[int]string
	results chan string
}

func startCaseServers(t *testing.T, accept func([]DeflateOffer) *DeflateResponse) *caseServers {
	cs := &caseServers{urls: map[int]string{}, results: make(chan string, 1)}
	for _, row := range autobahnSizes {
		if _, ok := cs.urls[row.frag]; ok {
			continue
		}
		s, err := NewServer(func() ServerProtocol { return &caseDriver{results: cs.results} }, Options{
			PerMessageCompressionAccept: accept,
			AutoFragmentSize:            row.frag,
			MaxMessagePayloadSize:       64 << 20,
		})
		if err != nil {
			t.Fatal(err)
		}
		cs.urls[row.frag] = serve(t, s, nil).URL
	}
	return cs
}

// runClientCase plays case (data set d, size row) with our client against
// the fuzzing server of its fragment size.
func runClientCase(t *testing.T, cs *caseServers, d, row int, wantExt string) {
	t.Helper()
	u := fmt.Sprintf("%s?data=%d&row=%d", cs.urls[autobahnSizes[row].frag], d, row)
	p := clientEcho{closed: make(chan closeInfo, 1)}
	c, err := Dial(t.Context(), u, func() ClientProtocol { return p }, &ClientOptions{
		PerMessageCompressionOffers: autobahnClientOffers,
		MaxMessagePayloadSize:       64 << 20,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Extensions() != wantExt {
		t.Fatalf("server answered %q, want %q", c.Extensions(), wantExt)
	}
	select {
	case r := <-cs.results:
		if r != "ok" {
			t.Fatal(r)
		}
	case <-time.After(time.Duration(autobahnSizes[row].waitSecs) * time.Second):
		t.Fatalf("case did not finish within %ds", autobahnSizes[row].waitSecs)
	}
	select {
	case ci := <-p.closed:
		if !ci.wasClean || ci.code != CloseNormal {
			t.Fatalf("client OnClose %+v, want a clean 1000", ci)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the connection did not close")
	}
}

// Section 12: every data set and size, the fuzzingserver's plain accept.
func TestClientAutobahn_12(t *testing.T) {
	t.Parallel()
	cs := startCaseServers(t, fuzzingServerAccept(1))
	for d, set := range section12Data {
		t.Run(set.name, func(t *testing.T) {
			for row := range autobahnSizes {
				t.Run(fmt.Sprintf("12_%d_%d", d+1, row+1), func(t *testing.T) {
					runClientCase(t, cs, d, row, "permessage-deflate")
				})
			}
		})
	}
}

// Section 13 and the other answers: JSON data, every size, each variant.
func TestClientAutobahn_13(t *testing.T) {
	t.Parallel()
	for _, v := range clientDeflateVariants() {
		t.Run(v.name, func(t *testing.T) {
			cs := startCaseServers(t, v.accept)
			for row := range autobahnSizes {
				t.Run(fmt.Sprintf("row_%d", row+1), func(t *testing.T) {
					runClientCase(t, cs, 0, row, v.want)
				})
			}
		})
	}
}

// Against Autobahn|Python's server, which echoes: our client sends each
// case's messages (fragmented at the case's size) and checks the echoes;
// Python's zlib inflates them with the window it asked for.
func TestClientAutobahnDeflatePython(t *testing.T) {
	t.Parallel() // Python does the work: the test mostly waits
	base := startAutobahnEchoServer(t, "", "--deflate")
	variants := []struct{ name, want string }{
		{"13.1", "permessage-deflate"},
		{"13.2", "permessage-deflate; client_no_context_takeover"},
		{"13.3", "permessage-deflate; client_max_window_bits=9"},
		{"13.4", "permessage-deflate; client_max_window_bits=15"},
		{"13.5", "permessage-deflate; client_no_context_takeover; client_max_window_bits=9"},
		{"13.6", "permessage-deflate; client_no_context_takeover; client_max_window_bits=15"},
		{"13.7", "permessage-deflate; client_no_context_takeover; client_max_window_bits=9"},
		{"quiet", "permessage-deflate"},
	}
	for bits := 10; bits <= 14; bits++ {
		variants = append(variants, struct{ name, want string }{fmt.Sprintf("cmwb=%d", bits), fmt.Sprintf("permessage-deflate; client_max_window_bits=%d", bits)})
	}
	data := section12Data[0]
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			// One connection per fragment size, for the rows that use it.
			for _, frag := range []int{0, 256, 1024, 4096, 32768} {
				p := newRecClient()
				c := dialT(t, base+"accept/"+url.PathEscape(v.name), p, &ClientOptions{
					PerMessageCompressionOffers: autobahnClientOffers,
					AutoFragmentSize:            frag,
					MaxMessagePayloadSize:       64 << 20,
				})
				if c.Extensions() != v.want {
					t.Fatalf("server answered %q, want %q", c.Extensions(), v.want)
				}
				<-p.opened
				for row, sz := range autobahnSizes {
					if sz.frag != frag {
						continue
					}
					count := min(clientCaseCount(sz.size), 20) // Python is the slow side
					ptr := 0
					for i := 0; i < count; i++ {
						msg := caseWindow(data.data(), &ptr, sz.size)
						if err := c.SendMessage(msg, data.binary); err != nil {
							t.Fatal(err)
						}
						got := p.nextMsg(t, 30*time.Second)
						if got.isBinary != data.binary || sha1.Sum(got.payload) != sha1.Sum(msg) {
							t.Fatalf("row %d message %d: echo of %d bytes differs (%d bytes back)", row+1, i, len(msg), len(got.payload))
						}
					}
				}
				c.SendClose(CloseNormal, "")
				if ci := p.nextClose(t, 10*time.Second); !ci.wasClean || ci.code != CloseNormal {
					t.Fatalf("fragments of %d: OnClose %+v", frag, ci)
				}
			}
		})
	}
	// An unknown variant: no compression, and the client still works.
	p := newRecClient()
	c := dialT(t, base+"accept/none", p, &ClientOptions{PerMessageCompressionOffers: autobahnClientOffers})
	if c.Extensions() != "" {
		t.Fatalf("answered %q", c.Extensions())
	}
	clientRoundTrip(t, c, p, 1000, false)
}
