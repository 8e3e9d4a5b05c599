package wscore

import (
	"testing"
	"unsafe"
)

// A released payload is handed out again for a message its capacity covers,
// never for a larger one; odd capacities serve the power of two below them.
func TestReleasePayloadReuse(t *testing.T) {
	for _, tc := range []struct {
		capacity, need int
		reused         bool
	}{
		{1024, 1000, true},
		{1024, 1024, true},
		{1500, 1024, true},  // serves the 1 KiB class
		{1500, 1025, false}, // would need 2 KiB
		{64 << 10, 64 << 10, true},
		{511, 300, false},          // too small to pool: below the 512 B class
		{8 << 20, 4 << 20, false},  // too large to pool, not kept in the 4 MiB class
		{4 << 20, 3<<20 + 1, true}, // the largest class
	} {
		reused := false
		// sync.Pool may drop what it is given (always so under the race
		// detector, now and then): try a few times.
		for range 50 {
			b := make([]byte, 10, tc.capacity)
			ReleasePayload(b)
			got := pooledPayload(tc.need)
			if got == nil {
				continue
			}
			if len(got) != 0 || cap(got) < tc.need {
				t.Fatalf("cap %d, need %d: got len %d cap %d", tc.capacity, tc.need, len(got), cap(got))
			}
			if unsafe.SliceData(got) == unsafe.SliceData(b) {
				reused = true
				break
			}
		}
		if reused != tc.reused {
			t.Errorf("cap %d released, need %d: reused %v, want %v", tc.capacity, tc.need, reused, tc.reused)
		}
	}
	ReleasePayload(nil) // nothing to do, no panic
	ReleasePayload([]byte{})
}
