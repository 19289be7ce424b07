// Command title-client sends `Linvo` to the function `title` and prints the result (5).
// Usage: go run ./examples/title-client [-addr host:port]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"time"

	"github.com/geargate/geargate/clients/go/geargate"
)

func main() {
	addr := flag.String("addr", geargate.DefaultAddress, "geargate gRPC address")
	flag.Parse()
	client, err := geargate.NewClient(*addr)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := client.Call(ctx, "title", []byte("Linvo"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(res.Data))
}
