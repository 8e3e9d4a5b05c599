package broadcast

import "github.com/wsplug/wsplug/wscore"

// Protocol wraps a protocol factory so that the Hub learns when each
// connection opens and ends: a connection served through it leaves its topics
// the moment it ends (before the application's OnClose runs), with no
// goroutine watching it. Use it when building the route's server:
//
//	srv, err := wscore.NewServer(hub.Protocol(newChatter), opts)
//
// The wrapper forwards the four ServerProtocol callbacks unchanged.
func (h *Hub) Protocol(factory wscore.ServerProtocolFactory) wscore.ServerProtocolFactory {
	return func() wscore.ServerProtocol {
		p := factory()
		if p == nil {
			return nil // the engine refuses the connection with 500
		}
		return &trackedProtocol{ServerProtocol: p, hub: h}
	}
}

type trackedProtocol struct {
	wscore.ServerProtocol
	hub *Hub
}

func (p *trackedProtocol) OnOpen(c *wscore.Conn) {
	p.hub.track(c)
	p.ServerProtocol.OnOpen(c)
}

func (p *trackedProtocol) OnClose(c *wscore.Conn, wasClean bool, code int, reason string) {
	p.hub.forget(c)
	p.ServerProtocol.OnClose(c, wasClean, code, reason)
}

// track registers a connection whose end the wrapper will report.
func (h *Hub) track(c *wscore.Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if m := h.members[c]; m != nil {
		m.tracked = true
		return
	}
	h.newMember(c).tracked = true
}
