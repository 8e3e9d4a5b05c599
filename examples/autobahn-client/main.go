package main

import (
	"context"
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
	n   int
	err error
}

func (p *caseCount) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	p.n, p.err = strconv.Atoi(strings.TrimSpace(string(payload)))
}

// options suit the testsuite: its 9.* cases send 16 MiB messages.
var options = &wscore.ClientOptions{MaxMessagePayloadSize: 64 << 20}

func main() {
	base := flag.String("url", "ws://127.0.0.1:9001", "URL of the fuzzingserver")
	agent := flag.String("agent", "wsplug", "agent name in the reports")
	caseTimeout := flag.Duration("case-timeout", 2*time.Minute, "longest time a single case may take")
	flag.Parse()
	if err := run(strings.TrimRight(*base, "/"), *agent, *caseTimeout); err != nil {
		fmt.Fprintln(os.Stderr, "autobahn-client:", err)
		os.Exit(1)
	}
}

func run(base, agent string, caseTimeout time.Duration) error {
	a := url.QueryEscape(agent)

	cc := &caseCount{}
	if _, err := serve(base+"/getCaseCount", func() wscore.ClientProtocol { return cc }, caseTimeout); err != nil {
		return fmt.Errorf("getCaseCount: %w", err)
	}
	if cc.err != nil || cc.n < 0 {
		return fmt.Errorf("getCaseCount: bad answer: %v", cc.err)
	}
	fmt.Printf("running %d cases as agent %q\n", cc.n, agent)

	failed := 0
	for i := 1; i <= cc.n; i++ {
		u := fmt.Sprintf("%s/runCase?case=%d&agent=%s", base, i, a)
		st, err := serve(u, func() wscore.ClientProtocol { return echo{} }, caseTimeout)
		if err != nil {
			fmt.Fprintf(os.Stderr, "case %d: %v\n", i, err)
			failed++
			continue
		}
		fmt.Printf("case %d/%d: clean=%v code=%d\n", i, cc.n, st.WasClean, st.Code)
	}

	if _, err := serve(base+"/updateReports?agent="+a, func() wscore.ClientProtocol { return wscore.BaseClientProtocol{} }, caseTimeout); err != nil {
		return fmt.Errorf("updateReports: %w", err)
	}
	fmt.Println("reports updated")
	if failed > 0 {
		return fmt.Errorf("%d of %d cases could not be run", failed, cc.n)
	}
	return nil
}

// serve runs one connection to its end.
func serve(u string, factory wscore.ClientProtocolFactory, timeout time.Duration) (wscore.CloseStatus, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return wscore.DialAndServe(ctx, u, factory, options)
}
