package wscore

import (
	"sync"
	"time"
)

// Timings are the milestones of a connection, recorded when
// Options.TrackTimings is set (Autobahn's trackTimings). A zero time means the
// milestone has not happened (or timings are off).
type Timings struct {
	HandshakeStart  time.Time // the opening handshake began to be processed
	HandshakeEnd    time.Time // the 101 response was written
	Opened          time.Time // OnOpen was called
	FirstMessageIn  time.Time // the first message was delivered to OnMessage
	FirstMessageOut time.Time // the first message was written
	CloseStart      time.Time // the first close frame was sent or received
	CloseEnd        time.Time // the TCP connection was closed
}

type milestone int

const (
	msHandshakeStart milestone = iota
	msHandshakeEnd
	msOpened
	msFirstIn
	msFirstOut
	msCloseStart
	msCloseEnd
	numMilestones
)

// timingsRecorder records milestones only when enabled; each is set once.
// Disabled, it is a nil pointer: connections that do not track timings pay
// 8 bytes, not the whole table.
type timingsRecorder struct {
	rec *timingTable
}

type timingTable struct {
	mu sync.Mutex
	at [numMilestones]time.Time
}

func (r *timingsRecorder) enable() { r.rec = &timingTable{} }

func (r *timingsRecorder) mark(m milestone) {
	if r.rec == nil {
		return
	}
	r.markAt(m, time.Now())
}

func (r *timingsRecorder) markAt(m milestone, t time.Time) {
	if r.rec == nil {
		return
	}
	r.rec.mu.Lock()
	if r.rec.at[m].IsZero() {
		r.rec.at[m] = t
	}
	r.rec.mu.Unlock()
}

// Timings returns the connection's recorded milestones.
func (c *Conn) Timings() Timings {
	r := c.timings.rec
	if r == nil {
		return Timings{}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return Timings{
		HandshakeStart:  r.at[msHandshakeStart],
		HandshakeEnd:    r.at[msHandshakeEnd],
		Opened:          r.at[msOpened],
		FirstMessageIn:  r.at[msFirstIn],
		FirstMessageOut: r.at[msFirstOut],
		CloseStart:      r.at[msCloseStart],
		CloseEnd:        r.at[msCloseEnd],
	}
}
