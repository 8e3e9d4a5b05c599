// Command autobahn-client is a client made for the Autobahn|Testsuite in
// fuzzingserver mode: it asks the server how many cases there are
// (/getCaseCount), runs each one (/runCase?case=N&agent=A), echoing every
// message back as it came (text as text, binary as binary), and finally asks
// the server to write its reports (/updateReports?agent=A).
//
//	wstest -m fuzzingserver -s fuzzingserver.json   # listens on ws://127.0.0.1:9001
//	go run ./examples/autobahn-client -url ws://127.0.0.1:9001 -agent wsplug
//
// It offers permessage-deflate (-deflate, on by default) so that the
// testsuite's sections 12 and 13 run: two offers, both letting the server
// choose client_max_window_bits, the second also allowing
// client_no_context_takeover, so each of the fuzzingserver's accept variants
// (cases 13.1 to 13.7) finds an offer it can answer; whatever the server
// answers within them is accepted. With -deflate=false those cases are
// UNIMPLEMENTED.
//
// It exits non-zero when the server cannot be reached, /getCaseCount does
// not answer with a number, or a case could not be started; how each case
// ended is judged by the testsuite, not here.
package main
