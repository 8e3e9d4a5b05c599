package wsjson_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"time"

	wshttp "github.com/wsplug/wsplug/middleware/nethttp"
	"github.com/wsplug/wsplug/wscore"
	"github.com/wsplug/wsplug/wsjson"
)

type Request struct {
	Op   string    `json:"op"`
	Args []float64 `json:"args"`
}

type Answer struct {
	Result float64 `json:"result"`
	Error  string  `json:"error,omitempty"`
}

// Calc answers every JSON request with a JSON answer.
type Calc struct{ wscore.BaseServerProtocol }

func (Calc) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	req, err := wsjson.Decode[Request](payload, isBinary)
	if err != nil {
		wsjson.Send(c, Answer{Error: err.Error()})
		return
	}
	var a Answer
	switch req.Op {
	case "sum":
		for _, x := range req.Args {
			a.Result += x
		}
	default:
		a.Error = "unknown op " + req.Op
	}
	wsjson.Send(c, a)
}

// asker sends one request when it opens and prints the answer.
type asker struct{ wscore.BaseClientProtocol }

func (asker) OnOpen(c *wscore.Conn) {
	wsjson.Send(c, Request{Op: "sum", Args: []float64{1, 2, 3.5}})
}

func (asker) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	a, err := wsjson.Decode[Answer](payload, isBinary)
	fmt.Println(a.Result, a.Error, err)
	c.SendClose(wscore.CloseNormal, "")
}

// A JSON protocol on both ends: the server decodes requests and sends
// answers; the client does the same the other way.
func Example() {
	rt := wshttp.MustHandler(func() wscore.ServerProtocol { return Calc{} }, wscore.Options{})
	ts := httptest.NewServer(rt)
	defer ts.Close()
	defer rt.Server().Shutdown(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(ts.URL, "http")
	wscore.DialAndServe(ctx, url, func() wscore.ClientProtocol { return asker{} }, nil)
	// Output: 6.5  <nil>
}

func ExampleDecode() {
	type Move struct {
		Piece string `json:"piece"`
		To    string `json:"to"`
	}
	m, err := wsjson.Decode[Move]([]byte(`{"piece":"knight","to":"f3"}`), false)
	fmt.Println(m.Piece, m.To, err)

	_, err = wsjson.Decode[Move]([]byte(`{"piece":`), false)
	fmt.Println(err)
	// Output:
	// knight f3 <nil>
	// wsjson: decoding wsjson_test.Move: unexpected end of JSON input
}
