package adaptertest

import (
	"net"
	"net/http"
	"sync"
	"testing"
)

// ServeHTTP runs hs on a loopback listener (wrapped by wrap, when given) until
// the test ends, and returns its base URL, http://127.0.0.1:port.
func ServeHTTP(t testing.TB, hs *http.Server, wrap func(net.Listener) net.Listener) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if wrap != nil {
		ln = wrap(ln)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		hs.Serve(ln)
	}()
	t.Cleanup(func() {
		hs.Close()
		wg.Wait()
	})
	return "http://" + ln.Addr().String()
}
