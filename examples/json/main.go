package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	wshttp "github.com/wsplug/wsplug/middleware/nethttp"
	"github.com/wsplug/wsplug/wscore"
	"github.com/wsplug/wsplug/wsjson"
)

// Request is what a client sends.
type Request struct {
	ID   int       `json:"id"`
	Op   string    `json:"op"`
	Args []float64 `json:"args"`
}

// Response is what it gets back: a result or an error.
type Response struct {
	ID     int      `json:"id"`
	Result *float64 `json:"result,omitempty"`
	Error  string   `json:"error,omitempty"`
}

// Calc answers requests, one connection at a time.
type Calc struct{ wscore.BaseServerProtocol }

func (Calc) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	req, err := wsjson.Decode[Request](payload, isBinary)
	if err != nil {
		wsjson.Send(c, Response{Error: err.Error()})
		return
	}
	result, err := eval(req.Op, req.Args)
	if err != nil {
		wsjson.Send(c, Response{ID: req.ID, Error: err.Error()})
		return
	}
	wsjson.Send(c, Response{ID: req.ID, Result: &result})
}

// eval applies op to args.
func eval(op string, args []float64) (float64, error) {
	switch op {
	case "sum":
		s := 0.0
		for _, x := range args {
			s += x
		}
		return s, nil
	case "product":
		p := 1.0
		for _, x := range args {
			p *= x
		}
		return p, nil
	case "min", "max":
		if len(args) == 0 {
			return 0, fmt.Errorf("%s of nothing", op)
		}
		r := args[0]
		for _, x := range args[1:] {
			if op == "min" {
				r = math.Min(r, x)
			} else {
				r = math.Max(r, x)
			}
		}
		return r, nil
	}
	return 0, fmt.Errorf("unknown op %q (want sum, product, min or max)", op)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "address to listen on (host:port; port 0 picks a free one)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, *addr, func(host string) {
		fmt.Printf("wsplug JSON calculator\n  status page: http://%s/\n  WebSocket:   ws://%s/\n", host, host)
		fmt.Println(`Send {"id": 1, "op": "sum", "args": [1, 2, 3.5]}. Ctrl-C to stop.`)
	})
	if err != nil {
		log.Fatal(err)
	}
}

// run serves until ctx is done, then closes every connection with 1001.
func run(ctx context.Context, addr string, ready func(host string)) error {
	opts := wscore.Options{MaxMessagePayloadSize: 64 << 10} // requests are small
	rt, err := wshttp.Handler(func() wscore.ServerProtocol { return Calc{} }, opts)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/{$}", rt)
	hs := wshttp.NewHTTPServer(mux, opts)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	ready(ln.Addr().String())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = errors.Join(rt.Server().Shutdown(sctx), hs.Shutdown(sctx))
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}
