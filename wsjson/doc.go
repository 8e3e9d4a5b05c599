// Package wsjson sends and receives JSON messages on wsplug connections, so
// that a protocol does not hand-roll its encoding: Send writes a value as one
// text message, Decode turns a received message into a value of a given type.
// It is the Go counterpart of Autobahn's json.dumps/sendMessage and
// json.loads(payload) pattern, and works on server and client connections.
//
//	type Request struct{ Op string; Args []float64 }
//
//	func (p *calc) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
//		req, err := wsjson.Decode[Request](payload, isBinary)
//		if err != nil {
//			c.SendClose(wscore.CloseUnsupportedData, "want a JSON request")
//			return
//		}
//		wsjson.Send(c, answer(req))
//	}
//
// Encoding and decoding are encoding/json's, with its rules for struct tags
// and errors: a payload that is not valid JSON gives a *json.SyntaxError, a
// value that does not fit the type a *json.UnmarshalTypeError, both
// reachable with errors.As. A binary message is refused with ErrBinary: JSON
// travels as text.
package wsjson
