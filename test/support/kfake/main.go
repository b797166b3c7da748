// Command kfake runs franz-go's Kafka cluster fake
// (github.com/twmb/franz-go/pkg/kfake) as a process of its own, for the
// build-and-run suite: one broker on 127.0.0.1:-port that the suite can kill
// and start again. It persists to -dir, so a restart keeps the topics, the
// records and the committed offsets, as a real broker's disk would.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
)

func main() {
	port := flag.Int("port", 9092, "listen port on 127.0.0.1")
	dir := flag.String("dir", "", "data directory (required)")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "kfake: -dir is required")
		os.Exit(2)
	}
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(*port), kfake.DataDir(*dir), kfake.DefaultNumPartitions(3))
	if err != nil {
		fmt.Fprintf(os.Stderr, "kfake: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("kfake: listening on %v\n", c.ListenAddrs())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	c.Close()
}
