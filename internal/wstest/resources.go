package wstest

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Resources is a snapshot of what the process holds: open file descriptors,
// goroutines and the live heap (measured after a garbage collection).
type Resources struct {
	FDs        int
	Goroutines int
	Heap       uint64 // runtime.MemStats.HeapAlloc after runtime.GC
}

func (r Resources) String() string {
	return fmt.Sprintf("%d fds, %d goroutines, %.1f MiB heap", r.FDs, r.Goroutines, float64(r.Heap)/(1<<20))
}

// OpenFDs counts the process's open file descriptors (Linux: /proc/self/fd),
// not counting the one used to list them. It returns -1 where /proc is missing.
func OpenFDs() int {
	f, err := os.Open("/proc/self/fd")
	if err != nil {
		return -1
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return -1
	}
	return len(names) - 1
}

// Snapshot collects garbage twice (so sync.Pools are emptied too) and
// measures.
func Snapshot() Resources {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return Resources{FDs: OpenFDs(), Goroutines: runtime.NumGoroutine(), Heap: ms.HeapAlloc}
}

// Slack is how far above a baseline a later snapshot may be.
type Slack struct {
	FDs        int
	Goroutines int
	Heap       uint64
}

// WaitBaseline polls until the process is back to base within slack, or
// timeout passes; then it fails t, naming what stayed above and dumping the
// goroutines when they did. It returns the last snapshot.
func WaitBaseline(t testing.TB, base Resources, slack Slack, timeout time.Duration) Resources {
	t.Helper()
	var (
		now            Resources
		fdOK, gOK, hOK bool
	)
	if waitFor(timeout, 50*time.Millisecond, func() bool {
		now = Snapshot()
		fdOK = fdsWithin(now.FDs, base.FDs, slack.FDs)
		gOK = now.Goroutines <= base.Goroutines+slack.Goroutines
		hOK = now.Heap <= base.Heap+slack.Heap
		return fdOK && gOK && hOK
	}) {
		return now
	}
	var why []string
	if !fdOK {
		why = append(why, fmt.Sprintf("fds %d > %d+%d", now.FDs, base.FDs, slack.FDs))
	}
	if !gOK {
		why = append(why, fmt.Sprintf("goroutines %d > %d+%d", now.Goroutines, base.Goroutines, slack.Goroutines))
	}
	if !hOK {
		why = append(why, fmt.Sprintf("heap %.1f MiB > %.1f+%.1f MiB", float64(now.Heap)/(1<<20), float64(base.Heap)/(1<<20), float64(slack.Heap)/(1<<20)))
	}
	msg := fmt.Sprintf("not back to baseline after %v: %s (baseline %v, now %v)", timeout, strings.Join(why, ", "), base, now)
	if !gOK {
		buf := make([]byte, 1<<20)
		msg += "\n" + string(buf[:runtime.Stack(buf, true)])
	}
	t.Error(msg)
	return now
}

// WaitFDs is WaitBaseline for file descriptors alone, without collecting
// garbage: it polls until the process holds no more than base+slack, or
// timeout passes and it fails t. A negative base (no /proc) passes at once.
// It returns the last count.
func WaitFDs(t testing.TB, base, slack int, timeout time.Duration) int {
	t.Helper()
	var n int
	if !waitFor(timeout, 20*time.Millisecond, func() bool {
		n = OpenFDs()
		return fdsWithin(n, base, slack)
	}) {
		t.Errorf("%d file descriptors open after %v, %d before (slack %d)", n, timeout, base, slack)
	}
	return n
}

// fdsWithin reports whether n descriptors are within slack of base; with no
// /proc (base < 0) they always are.
func fdsWithin(n, base, slack int) bool { return base < 0 || n <= base+slack }

// waitFor calls ok every interval until it holds, and reports false if it
// still does not once timeout has passed.
func waitFor(timeout, interval time.Duration, ok func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(interval)
	}
	return true
}

// HeapPeak samples the heap in use every interval until stop is closed and
// then reports the largest value seen, on the returned channel.
func HeapPeak(interval time.Duration, stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		var peak uint64
		var ms runtime.MemStats
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			select {
			case <-stop:
				out <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return out
}

// TotalAlloc is runtime.MemStats.TotalAlloc: every byte allocated so far.
func TotalAlloc() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.TotalAlloc
}
