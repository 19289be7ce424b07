// Command geargate-interop is the Go side of geargate's mixed-language test matrix.
//
//	geargate-interop worker --gearman HOST:PORT --grpc HOST:PORT --prefix P
//	geargate-interop client --gearman HOST:PORT --grpc HOST:PORT < cases.jsonl
//
// The worker serves P_echo, P_progress, P_fail, P_throw and P_slow over gRPC, prints
// "ready" once the server lists it, and stops on SIGTERM or SIGINT. The client reads one JSON
// case per line and writes one JSON answer per line, in order. Both use only --grpc; --gearman
// is accepted for the matrix's uniform command line.
package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/geargate/geargate/clients/go/geargate"
)

const (
	caseTimeout    = 30 * time.Second
	pollEvery      = 50 * time.Millisecond
	pollLimit      = 20 * time.Second
	maxCaseLineLen = 256 << 20
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: geargate-interop worker|client --grpc HOST:PORT [...]")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	var err error
	switch os.Args[1] {
	case "worker":
		err = runWorker(ctx, os.Args[2:], os.Stdout)
	case "client":
		err = runClient(ctx, os.Args[2:], os.Stdin, os.Stdout)
	default:
		err = fmt.Errorf("unknown mode %q (want worker or client)", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "geargate-interop:", err)
		os.Exit(1)
	}
}

type flags struct {
	gearman, grpc, prefix string
}

func parseFlags(mode string, args []string) (*flags, error) {
	fs := flag.NewFlagSet(mode, flag.ContinueOnError)
	f := &flags{}
	fs.StringVar(&f.gearman, "gearman", "", "Gearman TCP address (unused by the Go client)")
	fs.StringVar(&f.grpc, "grpc", geargate.DefaultAddress, "geargate gRPC address")
	if mode == "worker" {
		fs.StringVar(&f.prefix, "prefix", "", "function name prefix")
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if mode == "worker" && f.prefix == "" {
		return nil, errors.New("worker needs --prefix")
	}
	return f, nil
}

// runWorker serves the matrix functions until ctx ends.
func runWorker(ctx context.Context, args []string, stdout io.Writer) error {
	f, err := parseFlags("worker", args)
	if err != nil {
		return err
	}
	w := geargate.NewWorker(f.grpc,
		geargate.WithConcurrency(8),
		geargate.WithWorkerID("go-interop-"+f.prefix),
		geargate.WithDrainTimeout(2*time.Second))
	p := f.prefix
	w.Handle(p+"_echo", func(_ context.Context, j *geargate.Job) ([]byte, error) {
		return j.Payload, nil
	})
	w.Handle(p+"_progress", func(_ context.Context, j *geargate.Job) ([]byte, error) {
		steps := []func() error{
			func() error { return j.SendData([]byte("d1")) },
			func() error { return j.SendStatus(1, 2) },
			func() error { return j.SendWarning([]byte("w1")) },
			func() error { return j.SendData([]byte("d2")) },
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return nil, err
			}
		}
		return j.Payload, nil
	})
	w.Handle(p+"_fail", func(context.Context, *geargate.Job) ([]byte, error) {
		return nil, geargate.ErrFail
	})
	w.Handle(p+"_throw", func(context.Context, *geargate.Job) ([]byte, error) {
		return nil, errors.New("boom")
	})
	w.Handle(p+"_slow", func(ctx context.Context, j *geargate.Job) ([]byte, error) {
		select {
		case <-time.After(300 * time.Millisecond):
			return j.Payload, nil
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	})
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	select {
	case <-w.Ready():
		if _, err := fmt.Fprintln(stdout, "ready"); err != nil {
			return err
		}
		if syncer, ok := stdout.(interface{ Sync() error }); ok {
			_ = syncer.Sync()
		}
	case err := <-done:
		return err
	}
	return <-done
}

type caseIn struct {
	ID       string `json:"id"`
	Op       string `json:"op"`
	Function string `json:"function"`
	Payload  string `json:"payload"`
}

type callOut struct {
	ID           string      `json:"id"`
	Outcome      string      `json:"outcome"`
	Data         string      `json:"data"`
	DataEvents   []string    `json:"data_events"`
	StatusEvents [][2]uint32 `json:"status_events"`
	Error        string      `json:"error,omitempty"`
}

type backgroundOut struct {
	ID          string `json:"id"`
	Outcome     string `json:"outcome"`
	Handle      string `json:"handle"`
	Polls       int    `json:"polls"`
	SeenRunning bool   `json:"seen_running"`
	Error       string `json:"error,omitempty"`
}

// runClient answers each case line of in with one JSON line on out.
func runClient(ctx context.Context, args []string, in io.Reader, out io.Writer) error {
	f, err := parseFlags("client", args)
	if err != nil {
		return err
	}
	c, err := geargate.NewClient(f.grpc)
	if err != nil {
		return err
	}
	defer c.Close()
	scanner := bufio.NewScanner(in)
	scanner.Buffer(make([]byte, 64<<10), maxCaseLineLen)
	enc := json.NewEncoder(out)
	for scanner.Scan() {
		line := scanner.Bytes()
		if len(line) == 0 {
			continue
		}
		var answer any
		var tc caseIn
		if err := json.Unmarshal(line, &tc); err != nil {
			answer = &callOut{Outcome: "error", Error: "bad case: " + err.Error(),
				DataEvents: []string{}, StatusEvents: [][2]uint32{}}
		} else {
			answer = runCase(ctx, c, &tc)
		}
		if err := enc.Encode(answer); err != nil { // Encode writes one line per call
			return err
		}
		if syncer, ok := out.(interface{ Sync() error }); ok {
			_ = syncer.Sync()
		}
		if ctx.Err() != nil {
			return nil
		}
	}
	return scanner.Err()
}

func runCase(ctx context.Context, c *geargate.Client, tc *caseIn) any {
	ctx, cancel := context.WithTimeout(ctx, caseTimeout)
	defer cancel()
	payload, err := base64.StdEncoding.DecodeString(tc.Payload)
	switch {
	case err != nil:
		return callError(tc.ID, "bad payload: "+err.Error())
	case tc.Op == "call":
		return call(ctx, c, tc.ID, tc.Function, payload)
	case tc.Op == "background":
		return background(ctx, c, tc.ID, tc.Function, payload)
	}
	return callError(tc.ID, fmt.Sprintf("unknown op %q", tc.Op))
}

func callError(id, text string) *callOut {
	return &callOut{ID: id, Outcome: "error", Error: text, DataEvents: []string{},
		StatusEvents: [][2]uint32{}}
}

func errorText(ctx context.Context, err error) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) ||
		geargate.Code(err) == codes.DeadlineExceeded {
		return "timeout"
	}
	return err.Error()
}

func call(ctx context.Context, c *geargate.Client, id, function string, payload []byte) *callOut {
	out := &callOut{ID: id, DataEvents: []string{}, StatusEvents: [][2]uint32{}}
	stream, err := c.Run(ctx, function, payload)
	if err != nil {
		return callError(id, errorText(ctx, err))
	}
	defer stream.Close()
	for ev, err := range stream.All() {
		if err != nil {
			return callError(id, errorText(ctx, err))
		}
		switch ev.Kind {
		case geargate.EventData:
			out.DataEvents = append(out.DataEvents, base64.StdEncoding.EncodeToString(ev.Data))
		case geargate.EventStatus:
			out.StatusEvents = append(out.StatusEvents,
				[2]uint32{ev.Progress.Numerator, ev.Progress.Denominator})
		case geargate.EventComplete, geargate.EventException:
			out.Outcome = ev.Kind.String()
			out.Data = base64.StdEncoding.EncodeToString(ev.Data)
			return out
		case geargate.EventFail:
			out.Outcome = "fail"
			return out
		case geargate.EventError:
			return callError(id, ev.ErrorCode+" "+ev.ErrorMessage)
		}
	}
	return callError(id, "the event stream ended without an outcome")
}

func background(ctx context.Context, c *geargate.Client, id, function string, payload []byte) *backgroundOut {
	out := &backgroundOut{ID: id, Outcome: "error"}
	handle, err := c.Submit(ctx, function, payload)
	if err != nil {
		out.Error = errorText(ctx, err)
		return out
	}
	out.Handle = handle
	limit := time.Now().Add(pollLimit)
	for {
		st, err := c.Status(ctx, handle)
		if err != nil {
			out.Error = errorText(ctx, err)
			return out
		}
		out.Polls++
		if !st.Known {
			out.Outcome = "complete"
			return out
		}
		out.SeenRunning = out.SeenRunning || st.Running
		if time.Now().After(limit) {
			out.Error = "still known after 20 s"
			return out
		}
		select {
		case <-ctx.Done():
			out.Error = "timeout"
			return out
		case <-time.After(pollEvery):
		}
	}
}
