// Package serve holds what every benchmark echo server shares: its flags, its
// listener and its exit on SIGTERM.
package serve

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

// Flags are the command line of every echo server.
type Flags struct {
	Addr    string // where to listen
	Deflate bool   // accept permessage-deflate
}

// Parse reads the flags and arranges for the process to exit at once on
// SIGTERM or SIGINT (the matrix kills servers between runs; there is nothing
// to save but the CPU profile, when -cpuprofile asked for one).
func Parse() Flags {
	var f Flags
	flag.StringVar(&f.Addr, "addr", "127.0.0.1:9000", "listen `address`")
	flag.BoolVar(&f.Deflate, "deflate", false, "accept permessage-deflate where the library supports it")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this `file`, ended by SIGTERM")
	flag.Parse()
	if *cpuprofile != "" {
		pf, err := os.Create(*cpuprofile)
		if err != nil {
			Fatal(err)
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			Fatal(err)
		}
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	go func() {
		<-sig
		pprof.StopCPUProfile()
		os.Exit(0)
	}()
	return f
}

// Listen opens the TCP listener or exits.
func Listen(addr string) net.Listener {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		Fatal(err)
	}
	return ln
}

// Fatal reports err and exits with status 1.
func Fatal(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

// Note writes a line to stderr (which the matrix keeps for diagnosis).
func Note(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}
