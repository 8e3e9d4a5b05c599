package status

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/wsplug/wsplug/wscore"
)

// Request is what the status page needs from a request. Adapters fill it from
// their framework's request; it holds copies, never the framework's memory.
type Request struct {
	// Method is the request method; the page answers GET and HEAD.
	Method string
	// Accept is the Accept header, its lines joined with commas.
	Accept string
	// Route is the WebSocket route the page describes: the route pattern when
	// the framework knows it, the request path otherwise.
	Route string
	// ConsolePath is the path (and query) the in-page console connects to.
	// Empty: the page's own URL, which is right when the page is served on the
	// WebSocket route itself.
	ConsolePath string
}

// Response is a rendered answer; adapters send it through their framework
// (Write does it for net/http, gin and echo).
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Respond answers a request without "Upgrade: websocket" that reached a
// WebSocket route in handler form: the status page for GET and HEAD (JSON when
// Accept prefers it), or 426 Upgrade Required when the route's status page is
// disabled (Options.DisableWebStatus) or the method is another one.
func Respond(s *wscore.Server, r Request) Response {
	if s.Options().DisableWebStatus || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return upgradeRequired()
	}
	return Render(s, r)
}

// Render renders the status page of s whatever the route's DisableWebStatus
// says, for a page mounted on purpose (see Handler): HTML, or JSON when Accept
// prefers application/json. Methods other than GET and HEAD get 405. It takes
// one snapshot of the server's counters (Collect).
func Render(s *wscore.Server, r Request) Response { return RenderExtra(s, r, Extra{}) }

func methodNotAllowed() Response {
	return Response{
		Status: http.StatusMethodNotAllowed,
		Header: http.Header{"Allow": {"GET, HEAD"}, "Content-Type": {"text/plain; charset=utf-8"}},
		Body:   []byte("method not allowed: the status page answers GET and HEAD\n"),
	}
}

// renderSnapshot renders snap as the page or, when r prefers it, as JSON:
// the JSON variant is asJSON marshalled (snap itself, or snap with more
// fields beside it), so the snapshot is encoded once.
func renderSnapshot(snap Snapshot, asJSON any, r Request) Response {
	h := http.Header{
		"Cache-Control":          {"no-store"},
		"Vary":                   {"Accept"},
		"X-Content-Type-Options": {"nosniff"},
		"Referrer-Policy":        {"no-referrer"},
	}
	if PrefersJSON(r.Accept) {
		body, err := json.Marshal(asJSON)
		if err != nil { // cannot happen: the snapshot holds plain values
			return Response{Status: http.StatusInternalServerError, Header: h, Body: []byte("status unavailable\n")}
		}
		h.Set("Content-Type", "application/json")
		return Response{Status: http.StatusOK, Header: h, Body: append(body, '\n')}
	}
	body, err := renderHTML(snap, r.ConsolePath)
	if err != nil {
		return Response{Status: http.StatusInternalServerError, Header: h, Body: []byte("status unavailable\n")}
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", pageCSP)
	return Response{Status: http.StatusOK, Header: h, Body: body}
}

// upgradeRequired is the answer of a WebSocket route to a request it cannot
// serve: RFC 9110 requires the Upgrade header naming the protocol.
func upgradeRequired() Response {
	return Response{
		Status: http.StatusUpgradeRequired,
		Header: http.Header{
			"Upgrade":                {"websocket"},
			"Connection":             {"Upgrade"},
			"Content-Type":           {"text/plain; charset=utf-8"},
			"X-Content-Type-Options": {"nosniff"},
		},
		Body: []byte("426 Upgrade Required: this is a WebSocket endpoint; connect with a WebSocket client\n"),
	}
}

// Write sends the response on a net/http ResponseWriter.
func (resp Response) Write(w http.ResponseWriter) {
	h := w.Header()
	for k, vs := range resp.Header {
		h[k] = append([]string(nil), vs...)
	}
	h.Set("Content-Length", strconv.Itoa(len(resp.Body)))
	w.WriteHeader(resp.Status)
	w.Write(resp.Body)
}

// Handler serves the status page of s on its own URL, for a WebSocket route
// in middleware form (whose plain requests go elsewhere). route is the
// WebSocket route's path: the page shows it and its console connects to it.
// The page is served even when s has DisableWebStatus: mounting it is the
// decision.
func Handler(s *wscore.Server, route string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Render(s, Request{
			Method:      r.Method,
			Accept:      AcceptHeader(r.Header),
			Route:       route,
			ConsolePath: route,
		}).Write(w)
	})
}

// AcceptHeader joins the lines of a request's Accept header.
func AcceptHeader(h http.Header) string {
	vs := h["Accept"]
	switch len(vs) {
	case 0:
		return ""
	case 1:
		return vs[0]
	}
	n := 0
	for _, v := range vs {
		n += len(v) + 1
	}
	b := make([]byte, 0, n)
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, v...)
	}
	return string(b)
}
