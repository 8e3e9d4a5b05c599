package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/wsplug/wsplug/wscore"
)

// echo sends every message back as it came.
type echo struct{ wscore.BaseClientProtocol }

func (echo) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	c.SendMessage(payload, isBinary)
}

// caseCount receives the number of cases, a text message.
type caseCount struct {
	wscore.BaseClientProtocol
	got bool
	n   int
	err error
}

func (p *caseCount) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	p.got = true
	p.n, p.err = strconv.Atoi(strings.TrimSpace(string(payload)))
}

// deflateOffers are the permessage-deflate offers made with -deflate, most
// preferred first. Both let the server choose client_max_window_bits (8 to
// 15); the second also accepts client_no_context_takeover, which Autobahn's
// fuzzingserver looks for before asking for it (cases 13.2, 13.5 to 13.7).
// The server may add server_no_context_takeover and server_max_window_bits.
var deflateOffers = []wscore.DeflateOffer{
	{ClientMaxWindowBits: -1},
	{ClientNoContextTakeover: true, ClientMaxWindowBits: -1},
}

// clientOptions suit the testsuite: its 9.* cases send 16 MiB messages.
func clientOptions(deflate bool) *wscore.ClientOptions {
	o := &wscore.ClientOptions{MaxMessagePayloadSize: 64 << 20}
	if deflate {
		o.PerMessageCompressionOffers = deflateOffers
	}
	return o
}

func main() {
	base := flag.String("url", "ws://127.0.0.1:9001", "URL of the fuzzingserver")
	agent := flag.String("agent", "wsplug", "agent name in the reports")
	caseTimeout := flag.Duration("case-timeout", 2*time.Minute, "longest time a single case may take")
	deflate := flag.Bool("deflate", true, "offer permessage-deflate (needed for cases 12.* and 13.*)")
	flag.Parse()
	if err := run(strings.TrimRight(*base, "/"), *agent, *caseTimeout, clientOptions(*deflate)); err != nil {
		fmt.Fprintln(os.Stderr, "autobahn-client:", err)
		os.Exit(1)
	}
}

func run(base, agent string, caseTimeout time.Duration, options *wscore.ClientOptions) error {
	a := url.QueryEscape(agent)
	serve := func(u string, factory wscore.ClientProtocolFactory) (wscore.CloseStatus, error) {
		ctx, cancel := context.WithTimeout(context.Background(), caseTimeout)
		defer cancel()
		return wscore.DialAndServe(ctx, u, factory, options)
	}

	cc := &caseCount{}
	if _, err := serve(base+"/getCaseCount", func() wscore.ClientProtocol { return cc }); err != nil {
		return fmt.Errorf("getCaseCount: %w", err)
	}
	switch {
	case !cc.got:
		return errors.New("getCaseCount: the server sent no case count")
	case cc.err != nil:
		return fmt.Errorf("getCaseCount: the answer is not a number: %w", cc.err)
	case cc.n < 0:
		return fmt.Errorf("getCaseCount: negative case count %d", cc.n)
	}
	fmt.Printf("running %d cases as agent %q\n", cc.n, agent)

	failed := 0
	for i := 1; i <= cc.n; i++ {
		u := fmt.Sprintf("%s/runCase?case=%d&agent=%s", base, i, a)
		st, err := serve(u, func() wscore.ClientProtocol { return echo{} })
		if err != nil {
			fmt.Fprintf(os.Stderr, "case %d: %v\n", i, err)
			failed++
			continue
		}
		fmt.Printf("case %d/%d: clean=%v code=%d\n", i, cc.n, st.WasClean, st.Code)
	}

	if _, err := serve(base+"/updateReports?agent="+a, func() wscore.ClientProtocol { return wscore.BaseClientProtocol{} }); err != nil {
		return fmt.Errorf("updateReports: %w", err)
	}
	fmt.Println("reports updated")
	if failed > 0 {
		return fmt.Errorf("%d of %d cases could not be run", failed, cc.n)
	}
	return nil
}
