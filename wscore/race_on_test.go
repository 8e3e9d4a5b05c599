//go:build race

package wscore

// raceEnabled: the race detector slows large transfers about tenfold.
const raceEnabled = true
