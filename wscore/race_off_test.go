//go:build !race

package wscore

const raceEnabled = false
