package status

import (
	"testing"

	"github.com/wsplug/wsplug/wscore"
)

func BenchmarkRender(b *testing.B) {
	s, _ := wscore.NewServer(func() wscore.ServerProtocol { return wscore.BaseServerProtocol{} }, wscore.Options{})
	for _, tc := range []struct{ name, accept string }{{"HTML", "text/html"}, {"JSON", "application/json"}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Render(s, Request{Method: "GET", Accept: tc.accept, Route: "/ws"})
			}
		})
	}
}
