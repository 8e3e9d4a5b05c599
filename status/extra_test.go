package status

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wsplug/wsplug/wscore"
)

func TestExtraHandler(t *testing.T) {
	srv := wscore.MustNewServer(func() wscore.ServerProtocol { return wscore.BaseServerProtocol{} }, wscore.Options{})
	n := 0
	h := ExtraHandler(srv, "/ws", Extra{Title: "Broadcast", Fields: func() []Field {
		n++
		return []Field{{Key: "topic", Label: "Topic", Value: "<chat>"}, {Key: "broker", Label: "Broker", Value: "memory"}}
	}})

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/ws", nil))
	body := rec.Body.String()
	if rec.Code != 200 || !strings.Contains(body, "<h2>Broadcast</h2>") || !strings.Contains(body, "&lt;chat&gt;") || strings.Contains(body, "<chat>") {
		t.Fatalf("HTML: %d, panel missing or unescaped", rec.Code)
	}
	if i, j := strings.Index(body, "Broadcast"), strings.Index(body, `<footer class="foot">`); i < 0 || j < i {
		t.Error("the panel is not before the footer")
	}

	rec = httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/ws", nil)
	req.Header.Set("Accept", "application/json")
	h.ServeHTTP(rec, req)
	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("JSON: %v", err)
	}
	extra, _ := got["extra"].(map[string]any)
	if extra["topic"] != "<chat>" || extra["broker"] != "memory" || got["route"] != "/ws" || got["open"] == nil {
		t.Errorf("JSON: %v", got)
	}
	if n != 2 {
		t.Errorf("fields computed %d times for 2 requests", n)
	}

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/ws", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}
}
