package status

import (
	"bytes"
	"html/template"
	"net/http"

	"github.com/wsplug/wsplug/wscore"
)

// Field is one line of application state shown on a status page, beside
// what the engine knows: a broadcast node's topics or broker, for example.
type Field struct {
	// Key names the value in the JSON variant, under "extra".
	Key string
	// Label names it on the page.
	Label string
	// Value is shown as text.
	Value string
}

// Extra is a titled group of Fields for RenderExtra and ExtraHandler; Fields
// is called on every request, so the values are live.
type Extra struct {
	Title  string
	Fields func() []Field
}

var extraTemplate = template.Must(template.New("extra").Parse(
	`<section class="panel" aria-label="{{.Title}}"><div class="panel-head"><h2>{{.Title}}</h2></div>` +
		`<dl class="opts">{{range .Fields}}<dt>{{.Label}}</dt><dd data-extra="{{.Key}}">{{.Value}}</dd>{{end}}</dl></section>`))

// RenderExtra is Render with an application's fields: a panel of its own on
// the HTML page (after the configuration) and an "extra" object of key ->
// value in the JSON variant. The stable fields are unchanged. With no Fields
// it is Render.
func RenderExtra(s *wscore.Server, r Request, extra Extra) Response {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return methodNotAllowed()
	}
	snap := Collect(s, r.Route) // one snapshot serves both variants
	if extra.Fields == nil {
		return renderSnapshot(snap, snap, r)
	}
	fields := extra.Fields()
	if PrefersJSON(r.Accept) {
		values := make(map[string]string, len(fields))
		for _, f := range fields {
			values[f.Key] = f.Value
		}
		return renderSnapshot(snap, struct {
			Snapshot
			Extra map[string]string `json:"extra"`
		}{snap, values}, r)
	}
	resp := renderSnapshot(snap, snap, r)
	if resp.Status != http.StatusOK {
		return resp
	}
	var panel bytes.Buffer
	if err := extraTemplate.Execute(&panel, struct {
		Title  string
		Fields []Field
	}{extra.Title, fields}); err != nil {
		return resp
	}
	// The panel joins the page's two-column grid, which ends right before the
	// footer.
	foot := bytes.Index(resp.Body, []byte(`<footer class="foot">`))
	if foot < 0 {
		return resp
	}
	end := bytes.LastIndex(resp.Body[:foot], []byte("</div>"))
	if end < 0 {
		return resp
	}
	body := make([]byte, 0, len(resp.Body)+panel.Len())
	body = append(body, resp.Body[:end]...)
	body = append(body, panel.Bytes()...)
	body = append(body, resp.Body[end:]...)
	resp.Body = body
	return resp
}

// ExtraHandler is Handler with an application's fields (see RenderExtra).
func ExtraHandler(s *wscore.Server, route string, extra Extra) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		RenderExtra(s, Request{
			Method:      r.Method,
			Accept:      AcceptHeader(r.Header),
			Route:       route,
			ConsolePath: route,
		}, extra).Write(w)
	})
}
