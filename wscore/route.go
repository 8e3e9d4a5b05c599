package wscore

import (
	"fmt"
	"net/http"
)

// Hijack takes the connection of a net/http response over (through
// http.ResponseController, so wrapped writers such as gin's and echo's work)
// and serves the prepared handshake on a goroutine of its own, so the HTTP
// handler can return. When the connection cannot be taken over the handshake
// is cancelled and the error returned; nothing has been written to w, so the
// caller can still answer (500).
//
// It is Upgrade's second half, for adapters that send refusals from Prepare
// through their framework's own error path.
func (h *Handshake) Hijack(w http.ResponseWriter) error {
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		h.Cancel()
		return fmt.Errorf("wscore: hijack failed: %w", err)
	}
	go h.serve(conn, brw.Reader, false)
	return nil
}
