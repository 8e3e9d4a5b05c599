// Command autobahn is an echo server made for the Autobahn|Testsuite
// (fuzzingclient mode): it echoes every message at path "/", text as text and
// binary as binary, with limits large enough for the suite's 16 MiB messages.
// The same protocol can be served through each framework adapter, so the
// suite can run against every one of them. It accepts every permessage-deflate
// offer (DefaultDeflateAccept: the first offer, with context takeover where the
// client allows it and every window size honoured), so the suite's compression
// sections 12 and 13 run too.
//
//	go run ./examples/autobahn -addr 127.0.0.1:9001 -framework gin
//
// Then point the testsuite's fuzzingclient at the URL it prints.
package main
