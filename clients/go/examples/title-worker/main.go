// Command title-worker serves the function `title`: the length of the workload, as decimal
// text. Usage: go run ./examples/title-worker [-addr host:port]
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/geargate/geargate/clients/go/geargate"
)

func main() {
	addr := flag.String("addr", geargate.DefaultAddress, "geargate gRPC address")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	w := geargate.NewWorker(*addr, geargate.WithConcurrency(4))
	w.Handle("title", func(_ context.Context, job *geargate.Job) ([]byte, error) {
		return []byte(strconv.Itoa(len(job.Payload))), nil
	})
	if err := w.Run(ctx); err != nil { // returns after a graceful stop on Ctrl-C / SIGTERM
		log.Fatal(err)
	}
}
