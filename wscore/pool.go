package wscore

import "sync"

// bufferPool hands out byte slices of one size class. Connections take a read
// buffer only while bytes are arriving and a write buffer only while frames are
// queued, so an idle connection holds neither.
type bufferPool struct {
	size int
	pool sync.Pool
}

// pools for the common sizes; odd sizes from the options get their own.
var (
	poolsMu sync.Mutex
	pools   = map[int]*bufferPool{}
)

func poolFor(size int) *bufferPool {
	poolsMu.Lock()
	defer poolsMu.Unlock()
	p := pools[size]
	if p == nil {
		p = &bufferPool{size: size}
		pools[size] = p
	}
	return p
}

func (p *bufferPool) get() *[]byte {
	if b, ok := p.pool.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, p.size)
	return &b
}

// put returns *b to the pool unless it grew beyond twice its class (then the GC
// takes it, so one large message does not pin memory). The caller must not use
// b afterwards.
func (p *bufferPool) put(b *[]byte) {
	if cap(*b) < p.size || cap(*b) > 2*p.size {
		return
	}
	*b = (*b)[:p.size]
	p.pool.Put(b)
}
