package loadgen

import (
	"crypto/rand"
	"runtime"
)

func cryptoSeed(b []byte) { rand.Read(b) }

func gomaxprocs() int { return runtime.GOMAXPROCS(0) }
