package wsjson_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	wshttp "github.com/wsplug/wsplug/middleware/nethttp"
	"github.com/wsplug/wsplug/wscore"
	"github.com/wsplug/wsplug/wsjson"
)

type point struct {
	X, Y int
	Tag  string `json:"tag,omitempty"`
}

// mirror decodes every message as a point and sends it back moved by one;
// what cannot be decoded is reported as {"error": ...}.
type mirror struct{ wscore.BaseServerProtocol }

func (mirror) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	p, err := wsjson.Decode[point](payload, isBinary)
	if err != nil {
		wsjson.Send(c, map[string]string{"error": err.Error()})
		return
	}
	p.X++
	p.Y++
	wsjson.Send(c, p)
}

// startMirror serves mirror on a loopback test server and returns its URL.
func startMirror(t *testing.T) string {
	t.Helper()
	rt := wshttp.MustHandler(func() wscore.ServerProtocol { return mirror{} }, wscore.Options{})
	ts := httptest.NewServer(rt)
	t.Cleanup(func() {
		ts.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		rt.Server().Shutdown(ctx)
	})
	return "ws" + strings.TrimPrefix(ts.URL, "http")
}

func dial(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	return c
}

// A gorilla client exchanges JSON with a server using Send and Decode: the
// message is text, without the encoder's trailing newline.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	c := dial(t, startMirror(t))
	if err := c.WriteMessage(websocket.TextMessage, []byte(`{"X":1,"Y":2,"tag":"a"}`)); err != nil {
		t.Fatal(err)
	}
	typ, msg, err := c.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	if typ != websocket.TextMessage || string(msg) != `{"X":2,"Y":3,"tag":"a"}` {
		t.Fatalf("got type %d %q", typ, msg)
	}
}

// What cannot be decoded gets an error that says what failed.
func TestDecodeErrorsReachThePeer(t *testing.T) {
	t.Parallel()
	c := dial(t, startMirror(t))
	for _, tc := range []struct {
		typ  int
		msg  string
		want string
	}{
		{websocket.TextMessage, `{"X":`, "wsjson: decoding wsjson_test.point: unexpected end of JSON input"},
		{websocket.TextMessage, `{"X":"one"}`, "wsjson: decoding wsjson_test.point: json: cannot unmarshal string into Go struct field point.X of type int"},
		{websocket.BinaryMessage, `{"X":1}`, "wsjson: decoding wsjson_test.point: wsjson: binary message, JSON travels as text"},
	} {
		if err := c.WriteMessage(tc.typ, []byte(tc.msg)); err != nil {
			t.Fatal(err)
		}
		var got map[string]string
		if err := c.ReadJSON(&got); err != nil {
			t.Fatal(err)
		}
		if got["error"] != tc.want {
			t.Errorf("%q: error %q, want %q", tc.msg, got["error"], tc.want)
		}
	}
}

func TestDecodeErrorsAreInspectable(t *testing.T) {
	t.Parallel()
	_, err := wsjson.Decode[point]([]byte(`{`), false)
	var syn *json.SyntaxError
	if !errors.As(err, &syn) {
		t.Errorf("invalid JSON: %v is not a *json.SyntaxError", err)
	}
	_, err = wsjson.Decode[point]([]byte(`{"X":true}`), false)
	var typ *json.UnmarshalTypeError
	if !errors.As(err, &typ) || typ.Field != "X" {
		t.Errorf("wrong type: %v is not a *json.UnmarshalTypeError for X", err)
	}
	_, err = wsjson.Decode[point]([]byte(`{}`), true)
	if !errors.Is(err, wsjson.ErrBinary) {
		t.Errorf("binary: %v does not wrap ErrBinary", err)
	}
	p, err := wsjson.Decode[*point]([]byte(`null`), false)
	if err != nil || p != nil {
		t.Errorf("null into *point: %v %v", p, err)
	}
}

// client records what Send returns on a client connection.
type client struct {
	wscore.BaseClientProtocol
	got chan point
}

func (p *client) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	v, err := wsjson.Decode[point](payload, isBinary)
	if err == nil {
		p.got <- v
	}
}

// Send works on a client connection too; an unencodable value is an error
// and sends nothing; a closed connection gives an error wrapping ErrClosed.
func TestSendOnClient(t *testing.T) {
	t.Parallel()
	url := startMirror(t)
	p := &client{got: make(chan point, 1)}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := wscore.Dial(ctx, url, func() wscore.ClientProtocol { return p }, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { c.Close(); <-c.Done() }()

	err = wsjson.Send(c, make(chan int))
	var unsupported *json.UnsupportedTypeError
	if !errors.As(err, &unsupported) || !strings.HasPrefix(err.Error(), "wsjson: encoding chan int: ") {
		t.Errorf("unencodable value: %v", err)
	}
	if err := wsjson.Send(c, point{X: 41, Y: -1}); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-p.got:
		if got != (point{X: 42, Y: 0}) {
			t.Errorf("got %+v", got)
		}
	case <-ctx.Done():
		t.Fatal("no answer")
	}

	c.SendClose(wscore.CloseNormal, "")
	<-c.Done()
	if err := wsjson.Send(c, point{}); !errors.Is(err, wscore.ErrClosed) {
		t.Errorf("Send after close: %v, want ErrClosed", err)
	}
}

// A message larger than the pooled buffers is sent whole.
func TestSendLarge(t *testing.T) {
	t.Parallel()
	c := dial(t, startMirror(t))
	tag := strings.Repeat("x", 200<<10)
	for range 2 {
		if err := c.WriteJSON(point{Tag: tag}); err != nil {
			t.Fatal(err)
		}
		var got point
		if err := c.ReadJSON(&got); err != nil {
			t.Fatal(err)
		}
		if got.X != 1 || got.Tag != tag {
			t.Fatalf("got X=%d and %d bytes of tag", got.X, len(got.Tag))
		}
	}
}
