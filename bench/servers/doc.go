// Package servers holds the echo servers the matrix measures, one main
// package per library under servers/<name>. Each takes -addr (where to
// listen) and -deflate (accept permessage-deflate where the library can), and
// echoes every message back with the library's idiomatic fast path.
package servers
