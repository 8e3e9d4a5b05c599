package wscore_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/wsplug/wsplug/wscore"
)

// members refuses clients without a token, with a status and a reason.
type members struct{ wscore.BaseServerProtocol }

func (members) OnConnect(req *wscore.ConnectionRequest) (wscore.Accept, error) {
	if req.Query.Get("token") == "" {
		return wscore.Accept{}, &wscore.HTTPError{Status: http.StatusUnauthorized, Reason: "token required"}
	}
	return wscore.Accept{}, nil
}

// A refused handshake is an *HTTPError: OnConnect returns one, the engine
// makes its own for requests that fail its checks, and Upgrade (or Prepare)
// returns it, after answering the client with its status and reason.
func ExampleHTTPError() {
	srv := wscore.MustNewServer(func() wscore.ServerProtocol { return members{} }, wscore.Options{})
	upgrade := func(target string, h http.Header) {
		req := httptest.NewRequest("GET", target, nil)
		req.Header = h
		rec := httptest.NewRecorder()
		err := srv.Upgrade(rec, req)
		var he *wscore.HTTPError
		if errors.As(err, &he) {
			fmt.Printf("%d %q | %v\n", he.Status, he.Reason, err)
		}
	}
	upgrade("/", http.Header{
		"Upgrade": {"websocket"}, "Connection": {"Upgrade"},
		"Sec-Websocket-Version": {"13"}, "Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="},
	})
	upgrade("/?token=t", http.Header{
		"Upgrade": {"websocket"}, "Connection": {"Upgrade"},
		"Sec-Websocket-Version": {"7"}, "Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="},
	})
	// Output:
	// 401 "token required" | websocket handshake refused: 401 Unauthorized: token required
	// 426 "unsupported Sec-WebSocket-Version (supported: 13, 8)" | websocket handshake refused: 426 Upgrade Required: unsupported Sec-WebSocket-Version (supported: 13, 8)
}

// picky refuses a server that did not choose a subprotocol, with its own
// close code.
type picky struct{ wscore.BaseClientProtocol }

func (picky) OnConnect(resp *wscore.ConnectionResponse) error {
	if resp.Subprotocol == "" {
		return &wscore.CloseError{Code: 4001, Reason: "a subprotocol is required"}
	}
	return nil
}

// A client protocol refuses the server's answer by returning an error from
// OnConnect; a *CloseError chooses the close code sent. Dial's error wraps
// ErrRefused and the protocol's error.
func ExampleCloseError() {
	url, stop := startExampleServer()
	defer stop()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := wscore.Dial(ctx, url, func() wscore.ClientProtocol { return picky{} }, nil)
	var ce *wscore.CloseError
	fmt.Println(errors.Is(err, wscore.ErrRefused), errors.As(err, &ce), ce.Code, ce.Reason)
	// Output: true true 4001 a subprotocol is required
}

// Writes on a connection that is closing or closed return an error wrapping
// ErrClosed; one that timed out wraps ErrWriteTimeout.
func ExampleErrClosed() {
	url, stop := startExampleServer()
	defer stop()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := wscore.Dial(ctx, url, func() wscore.ClientProtocol { return wscore.BaseClientProtocol{} }, nil)
	if err != nil {
		panic(err)
	}
	c.SendClose(wscore.CloseNormal, "done")
	err = c.SendMessage([]byte("too late"), false)
	fmt.Println(errors.Is(err, wscore.ErrClosed), errors.Is(err, wscore.ErrWriteTimeout))
	<-c.Done()
	// Output: true false
}
