package adaptertest

import (
	"testing"

	"github.com/wsplug/wsplug/wscore"
)

// NewBase is the factory of a protocol that does nothing
// (wscore.BaseServerProtocol), for adapters' tests that need a valid Config
// but no traffic.
func NewBase() wscore.ServerProtocol { return wscore.BaseServerProtocol{} }

// MustPanic runs f, which must panic with an error (the adapters'
// panicking constructors do on a bad Config), and returns that error. When
// f returns, or panics with something else, it fails t and returns nil.
func MustPanic(t testing.TB, what string, f func()) (err error) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			t.Errorf("%s did not panic", what)
			return
		}
		err, _ = r.(error)
		if err == nil {
			t.Errorf("%s panicked with %v, want an error", what, r)
		}
	}()
	f()
	return nil
}
