package wscore

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/url"
	"slices"
	"testing"
)

// fuzzKey is the Sec-WebSocket-Key of the fuzzed handshake (RFC 6455's
// example), so seeds can carry the matching accept value.
const fuzzKey = "dGhlIHNhbXBsZSBub25jZQ=="

// FuzzClientResponse feeds arbitrary bytes to the client's response reading
// and validation: never a panic, every failure a typed error, and an accepted
// response really is a valid answer to the request.
func FuzzClientResponse(f *testing.F) {
	f.Add([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 403 Forbidden\r\nContent-Length: 4\r\n\r\nnope"))
	u, _ := url.Parse("ws://example.com/chat")
	offered := []string{"chat", "superchat"}
	f.Fuzz(func(t *testing.T, data []byte) {
		h := &clientHandshake{url: u, key: fuzzKey, version: 13, protocols: offered}
		lr := &io.LimitedReader{R: bytes.NewReader(data), N: maxResponseHead}
		br := bufio.NewReaderSize(lr, DefaultReadBufferSize)
		resp, err := readResponseHead(br, lr, nil)
		var he *HandshakeError
		if err != nil {
			if !errors.As(err, &he) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("untyped error reading the head: %v", err)
			}
			return
		}
		cr, err := h.check(resp)
		if err != nil {
			if !errors.As(err, &he) || he.Err == nil || he.Status != resp.StatusCode {
				t.Fatalf("check error %v is not a complete *HandshakeError", err)
			}
			if he.Err == ErrBadStatus {
				if body := readBodyPrefix(context.Background(), nil, resp); len(body) > maxBodyPrefix {
					t.Fatalf("body prefix of %d bytes", len(body))
				}
			}
			_ = err.Error()
			return
		}
		switch {
		case resp.StatusCode != 101:
			t.Fatalf("accepted status %d", resp.StatusCode)
		case resp.Header.Get("Sec-WebSocket-Accept") != AcceptKey(fuzzKey):
			t.Fatalf("accepted a wrong accept key %q", resp.Header.Get("Sec-WebSocket-Accept"))
		case cr.Subprotocol != "" && !slices.Contains(offered, cr.Subprotocol):
			t.Fatalf("accepted subprotocol %q", cr.Subprotocol)
		case len(cr.Extensions) != 0:
			t.Fatalf("accepted extensions %v without offers", cr.Extensions)
		case !headerHasToken(resp.Header, "Upgrade", "websocket") || !headerHasToken(resp.Header, "Connection", "upgrade"):
			t.Fatalf("accepted without the upgrade tokens: %v", resp.Header)
		}
	})
}
