// Package examples holds no code of its own: each folder below is a runnable
// program (a main package). The tests in this folder build every example and
// start it on a free loopback port to check it serves.
package examples
