package loadgen

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
)

// Payload kinds.
const (
	// PayloadRandom is incompressible: random bytes for binary messages,
	// random printable ASCII for text ones.
	PayloadRandom = "random"
	// PayloadJSON is JSON-like text with repeated keys and varying values, as
	// an API's messages look; deflate shrinks it several times over.
	PayloadJSON = "json"
)

// payloadSet is a read-only pool of distinct payloads of one size, shared by
// every connection. Messages cycle through it, so compression with context
// takeover sees realistic, not identical, messages.
type payloadSet struct {
	msgs [][]byte

	mu     sync.Mutex
	byBits map[int]*compressedSet // precompressed forms, by client window bits
}

// maxPoolBytes bounds the pool's memory; it holds at least 4 payloads.
const maxPoolBytes = 8 << 20

func newPayloadSet(kind string, size int, binary bool, seed uint64) (*payloadSet, error) {
	n := min(max(maxPoolBytes/max(size, 1), 4), 1024)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	ps := &payloadSet{msgs: make([][]byte, n), byBits: map[int]*compressedSet{}}
	for i := range ps.msgs {
		switch kind {
		case PayloadRandom, "":
			ps.msgs[i] = randomPayload(r, size, binary)
		case PayloadJSON:
			ps.msgs[i] = jsonPayload(r, size)
		default:
			return nil, fmt.Errorf("unknown payload kind %q (want %q or %q)", kind, PayloadRandom, PayloadJSON)
		}
	}
	return ps, nil
}

func randomPayload(r *rand.Rand, size int, binary bool) []byte {
	b := make([]byte, size)
	for i := range b {
		if binary {
			b[i] = byte(r.Uint32())
		} else {
			b[i] = byte(' ' + r.IntN(95))
		}
	}
	return b
}

var (
	jsonNames  = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "oscar", "peggy", "trent", "victor", "walter"}
	jsonCities = []string{"Amsterdam", "Berlin", "Chicago", "Dublin", "Lisbon", "Madrid", "Oslo", "Paris", "Prague", "Vienna"}
	jsonTags   = []string{"admin", "beta", "premium", "trial", "staff", "mobile", "web", "api"}
)

// jsonPayload builds a JSON array of user-like records and pads or cuts it to
// exactly size bytes (the tail is kept valid UTF-8: the text is ASCII).
func jsonPayload(r *rand.Rand, size int) []byte {
	b := make([]byte, 0, size+256)
	b = append(b, `{"type":"update","seq":`...)
	b = strconv.AppendUint(b, r.Uint64N(1e9), 10)
	b = append(b, `,"items":[`...)
	for i := 0; len(b) < size; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		name := jsonNames[r.IntN(len(jsonNames))]
		b = append(b, `{"id":`...)
		b = strconv.AppendUint(b, r.Uint64N(1e6), 10)
		b = append(b, `,"name":"`...)
		b = append(b, name...)
		b = append(b, `","email":"`...)
		b = append(b, name...)
		b = append(b, `@example.com","city":"`...)
		b = append(b, jsonCities[r.IntN(len(jsonCities))]...)
		b = append(b, `","active":`...)
		b = strconv.AppendBool(b, r.IntN(2) == 0)
		b = append(b, `,"score":`...)
		b = strconv.AppendFloat(b, float64(r.IntN(100000))/100, 'f', 2, 64)
		b = append(b, `,"tags":["`...)
		b = append(b, jsonTags[r.IntN(len(jsonTags))]...)
		b = append(b, `","`...)
		b = append(b, jsonTags[r.IntN(len(jsonTags))]...)
		b = append(b, `"]}`...)
	}
	b = append(b, "]}"...)
	if len(b) > size {
		b = b[:size]
	}
	return b
}
