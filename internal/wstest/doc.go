// Package wstest holds test helpers for wsplug's own tests: a raw WebSocket
// client that writes and reads frames byte for byte (written independently of
// wscore, so a bug in the engine cannot hide behind the same bug in the test
// peer), and helpers to find external peers.
package wstest
