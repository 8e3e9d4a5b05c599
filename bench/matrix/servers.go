package matrix

// Server is one echo server of the matrix: a main package under servers/.
type Server struct {
	Name string // directory under servers/ and row label
	Raw  bool   // a raw TCP echo: the load generator skips the handshake
	Note string // how it serves, for the table's footnotes
}

// Baseline is the server every ratio is relative to.
const Baseline = "gorilla"

// Servers lists every server in table order: wsplug through each adapter,
// the peers, and the raw TCP ceiling.
func Servers() []Server {
	return []Server{
		{Name: "wsplug-nethttp", Note: "wsplug, net/http adapter (wshttp)"},
		{Name: "wsplug-gin", Note: "wsplug, gin adapter"},
		{Name: "wsplug-echo", Note: "wsplug, echo adapter"},
		{Name: "wsplug-fiber", Note: "wsplug, fiber adapter (fasthttp hijack)"},
		{Name: "wsplug-raw", Note: "wsplug, wscore's own listener (Server.Serve)"},
		{Name: "gorilla", Note: "gorilla/websocket, ReadMessage/WriteMessage"},
		{Name: "gws", Note: "lxzan/gws, gws.NewServer"},
		{Name: "coder", Note: "coder/websocket, Reader/Writer + io.Copy"},
		{Name: "gobwas", Note: "gobwas/ws, goroutine per connection, wsutil"},
		{Name: "fasthttp", Note: "fasthttp/websocket on fasthttp.Server"},
		{Name: "fiber-contrib", Note: "gofiber/contrib websocket"},
		{Name: "rawtcp", Raw: true, Note: "raw TCP echo (the machine's ceiling)"},
	}
}
