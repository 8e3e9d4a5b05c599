// Command autobahn is an echo server made for the Autobahn|Testsuite
// (fuzzingclient mode): it echoes every message at path "/", text as text and
// binary as binary, with limits large enough for the suite's 16 MiB messages.
//
//	go run ./examples/autobahn -addr 127.0.0.1:9001
//
// Then point the testsuite's fuzzingclient at ws://127.0.0.1:9001/.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/wsplug/wsplug/wscore"
)

// echo sends every message back as it came.
type echo struct{ wscore.BaseServerProtocol }

func (echo) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	c.SendMessage(payload, isBinary)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9001", "address to listen on (host:port; port 0 picks a free one)")
	flag.Parse()

	srv, err := wscore.NewServer(func() wscore.ServerProtocol { return echo{} }, wscore.Options{
		MaxMessagePayloadSize: 64 << 20, // the suite sends 16 MiB messages
	})
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stdout, "autobahn echo server listening on ws://%s/\n", ln.Addr())
	hs := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { srv.Upgrade(w, r) }),
		ReadHeaderTimeout: 5 * time.Second,
	}
	log.Fatal(hs.Serve(ln))
}
