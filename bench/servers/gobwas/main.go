// Command gobwas is the gobwas/ws echo in its idiomatic goroutine-per-
// connection form (not its netpoll/epoll mode): the zero-copy ws.Upgrade on a
// plain net.Listener, then wsutil.ReadClientData / wsutil.WriteServerMessage
// as in its README's first example (reading straight from the socket, UTF-8
// checked). With -deflate it negotiates wsflate with its DefaultParameters (no
// context takeover) and echoes through wsflate's reader and writer as its
// README shows, with klauspost/compress at BestSpeed.
package main

import (
	"io"
	"net"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsflate"
	"github.com/gobwas/ws/wsutil"
	"github.com/klauspost/compress/flate"

	"github.com/wsplug/wsplug/bench/servers/internal/serve"
)

func main() {
	f := serve.Parse()
	ln := serve.Listen(f.Addr)
	for {
		conn, err := ln.Accept()
		if err != nil {
			serve.Fatal(err)
		}
		if f.Deflate {
			go serveDeflate(conn)
		} else {
			go serveConn(conn)
		}
	}
}

func serveConn(conn net.Conn) {
	defer conn.Close()
	if _, err := ws.Upgrade(conn); err != nil {
		return
	}
	serveLoop(conn)
}

func serveDeflate(conn net.Conn) {
	defer conn.Close()
	e := wsflate.Extension{Parameters: wsflate.DefaultParameters}
	u := ws.Upgrader{Negotiate: e.Negotiate}
	if _, err := u.Upgrade(conn); err != nil {
		return
	}
	if _, ok := e.Accepted(); !ok {
		serveLoop(conn)
		return
	}
	const state = ws.StateServerSide | ws.StateExtended
	var msg wsflate.MessageState
	control := wsutil.ControlFrameHandler(conn, ws.StateServerSide)
	rd := &wsutil.Reader{
		Source:         conn,
		State:          state,
		Extensions:     []wsutil.RecvExtension{&msg},
		OnIntermediate: control,
	}
	wr := wsutil.NewWriter(conn, state, 0)
	wr.SetExtensions(&msg)
	fr := wsflate.NewReader(nil, func(r io.Reader) wsflate.Decompressor { return flate.NewReader(r) })
	fw := wsflate.NewWriter(nil, func(w io.Writer) wsflate.Compressor {
		c, _ := flate.NewWriter(w, flate.BestSpeed)
		return c
	})
	for {
		h, err := rd.NextFrame()
		if err != nil {
			return
		}
		if h.OpCode.IsControl() {
			if err := control(h, rd); err != nil {
				return
			}
			continue
		}
		wr.ResetOp(h.OpCode)
		if !msg.IsCompressed() {
			if _, err := io.Copy(wr, rd); err != nil {
				return
			}
		} else {
			fr.Reset(rd)
			fw.Reset(wr)
			if _, err := io.Copy(fw, fr); err != nil {
				return
			}
			// Flush, not Close as in the README: klauspost's Close ends
			// the stream with a final block instead of wsflate's expected
			// sync marker.
			if err := fw.Flush(); err != nil {
				return
			}
		}
		if err := wr.Flush(); err != nil {
			return
		}
	}
}

// serveLoop is serveConn after the upgrade.
func serveLoop(conn net.Conn) {
	for {
		msg, op, err := wsutil.ReadClientData(conn)
		if err != nil {
			return
		}
		if err := wsutil.WriteServerMessage(conn, op, msg); err != nil {
			return
		}
	}
}
