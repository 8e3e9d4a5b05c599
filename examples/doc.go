// Package examples holds no code of its own: each folder below is a runnable
// program (a main package), and the tests in this folder build every one and
// start it on a free loopback port to check it serves.
//
//	echo          the README's main job: echo server and status page on "/", -framework nethttp|gin|echo|fiber
//	json          JSON requests and answers with wsjson
//	lifecycle     every callback, auto pings, graceful shutdown on Ctrl-C
//	nethttp-app   wsplug added to an existing net/http app: route group, two routes with their own options
//	gin-app       the same in gin
//	echo-app      the same in echo
//	fiber-app     the same in fiber
//	client        the seed's client: "Hello, world!" and print what comes back
//	chat          multi-node chat with broadcast (Redis or NATS); a Go module of its own
//	autobahn      echo server for the Autobahn|Testsuite (fuzzingclient)
//	autobahn-client  client for the Autobahn|Testsuite (fuzzingserver)
//
// Server examples take -addr (default 127.0.0.1:9000; 9001 for autobahn)
// and print the URL they actually listen on, so "-addr 127.0.0.1:0" works.
package examples
