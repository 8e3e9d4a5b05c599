package wsfiber_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run when a test leaves goroutines behind. Two fasthttp
// goroutines are not ours to end: the process-wide one refreshing the Date
// header, and each worker pool's cleaner, which notices Stop only after its
// idle period (10 s) and then exits.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*workerPool).Start.func2"),
	)
}
