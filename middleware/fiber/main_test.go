package wsfiber_test

import (
	"testing"

	"go.uber.org/goleak"
)

// fasthttpGoroutines are two fasthttp goroutines that are not ours to end:
// the process-wide one refreshing the Date header, and each worker pool's
// cleaner, which notices Stop only after its idle period (10 s) and then
// exits.
var fasthttpGoroutines = []goleak.Option{
	goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"),
	goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*workerPool).Start.func2"),
}

// TestMain fails the run when a test leaves goroutines behind (the adapter
// harness also checks after each of its tests).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, fasthttpGoroutines...)
}
