// Command benchtool holds the Go programs of the benchmark harness and the
// reliability suite, in one binary so that one build serves both:
//
//	benchtool hello -addr 127.0.0.1:0   the bare net/http hello-world server: the physical floor
//	                [-body FILE]        (answering FILE as JSON; -redis ADDR: read it from Redis first)
//	benchtool sink  -addr 127.0.0.1:0   an OTLP/HTTP trace sink that accepts and discards spans
//	benchtool load  [flags]             an open- or closed-loop HTTP load generator (JSON report)
//
// Every server prints "listening <addr>" on stdout once it accepts
// connections, and stops on SIGINT or SIGTERM.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchtool hello|sink|load [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "hello":
		err = hello(os.Args[2:])
	case "sink":
		err = sink(os.Args[2:])
	case "load":
		err = load(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "benchtool: %v\n", err)
		os.Exit(1)
	}
}
