// Command autobahn-client is a client made for the Autobahn|Testsuite in
// fuzzingserver mode: it asks the server how many cases there are
// (/getCaseCount), runs each one (/runCase?case=N&agent=A), echoing every
// message back as it came (text as text, binary as binary), and finally asks
// the server to write its reports (/updateReports?agent=A).
//
//	wstest -m fuzzingserver -s fuzzingserver.json   # listens on ws://127.0.0.1:9001
//	go run ./examples/autobahn-client -url ws://127.0.0.1:9001 -agent wsplug
//
// It exits non-zero when the server cannot be reached or a case could not be
// started; how each case ended is judged by the testsuite, not here.
package main
