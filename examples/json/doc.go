// Command json serves a small JSON protocol, the seed's json.loads /
// json.dumps pattern with types: each text message is a request
//
//	{"id": 1, "op": "sum", "args": [1, 2, 3.5]}
//
// answered by
//
//	{"id": 1, "result": 6.5}
//
// or {"id": 1, "error": "..."} for an unknown op or a message that is not
// JSON. The ops are sum, product, min and max. wsjson.Decode and wsjson.Send
// do the encoding, so the protocol deals in Go values only.
//
//	go run ./examples/json                # ws://127.0.0.1:9000/, status page at http://127.0.0.1:9000/
//
// The status page's console can send requests from a browser.
package main
