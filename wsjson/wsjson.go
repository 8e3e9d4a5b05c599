package wsjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/wsplug/wsplug/wscore"
)

// ErrBinary is returned (wrapped) by Decode for a binary message.
var ErrBinary = errors.New("wsjson: binary message, JSON travels as text")

// Send encodes v as JSON and sends it as one text message, with
// Conn.SendMessage's semantics: safe from any goroutine, returns once the
// message is written or with an error (wrapping wscore.ErrClosed when the
// connection is closing). An error from encoding/json is wrapped and nothing
// is sent.
func Send(c *wscore.Conn, v any) error {
	buf := bufPool.Get().(*bytes.Buffer)
	defer putBuf(buf)
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		return fmt.Errorf("wsjson: encoding %T: %w", v, err)
	}
	b := buf.Bytes()
	// Encode ends the value with a newline; the message does not need it.
	// SendMessage does not keep the payload, so the buffer can be reused.
	if err := c.SendMessage(b[:len(b)-1], false); err != nil {
		return fmt.Errorf("wsjson: sending %T: %w", v, err)
	}
	return nil
}

// Decode decodes a received message (OnMessage's payload and isBinary) into
// a new value of type T.
func Decode[T any](payload []byte, isBinary bool) (T, error) {
	var v T
	if isBinary {
		return v, fmt.Errorf("wsjson: decoding %T: %w", v, ErrBinary)
	}
	if err := json.Unmarshal(payload, &v); err != nil {
		return v, fmt.Errorf("wsjson: decoding %T: %w", v, err)
	}
	return v, nil
}

// bufPool holds encoding buffers; a buffer that grew past maxPooled is left
// to the garbage collector so one huge message does not pin its memory.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooled = 64 << 10

func putBuf(b *bytes.Buffer) {
	if b.Cap() > maxPooled {
		return
	}
	b.Reset()
	bufPool.Put(b)
}
