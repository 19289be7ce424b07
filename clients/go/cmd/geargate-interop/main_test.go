package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/geargate/geargate/clients/go/internal/testserver"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// TestMatrixWorkerAndClient runs both modes in-process against a real geargate, exactly as
// the matrix drives the binary (flags, stdin cases, stdout lines).
func TestMatrixWorkerAndClient(t *testing.T) {
	srv := testserver.Start(t)
	addrs := []string{"--gearman", srv.GearmanAddress(), "--grpc", srv.GRPCAddress()}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	workerOut, workerOutW := io.Pipe()
	workerDone := make(chan error, 1)
	go func() {
		workerDone <- runWorker(ctx, append(addrs, "--prefix", "gom"), workerOutW)
		_ = workerOutW.Close()
	}()
	lines := bufio.NewScanner(workerOut)
	readyCh := make(chan string, 1)
	go func() {
		if lines.Scan() {
			readyCh <- lines.Text()
		}
		close(readyCh)
	}()
	select {
	case line := <-readyCh:
		if line != "ready" {
			t.Fatalf("worker printed %q", line)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("worker never printed ready")
	}

	big := bytes.Repeat([]byte("\x00geargate\xff"), 1<<20/10)
	cases := []map[string]string{
		{"id": "c1", "op": "call", "function": "gom_echo", "payload": base64.StdEncoding.EncodeToString(big)},
		{"id": "c2", "op": "call", "function": "gom_progress", "payload": b64("pp")},
		{"id": "c3", "op": "call", "function": "gom_fail", "payload": ""},
		{"id": "c4", "op": "call", "function": "gom_throw", "payload": b64("x")},
		{"id": "c5", "op": "background", "function": "gom_slow", "payload": b64("s")},
		{"id": "c6", "op": "frobnicate", "function": "gom_echo", "payload": ""},
	}
	var in strings.Builder
	for _, c := range cases {
		line, _ := json.Marshal(c)
		in.Write(append(line, '\n'))
	}
	var out bytes.Buffer
	clientCtx, clientCancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer clientCancel()
	if err := runClient(clientCtx, addrs, strings.NewReader(in.String()), &out); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(got) != len(cases) {
		t.Fatalf("%d answers for %d cases:\n%s", len(got), len(cases), out.String())
	}
	answers := make([]map[string]any, len(got))
	for i, line := range got {
		if err := json.Unmarshal([]byte(line), &answers[i]); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if answers[i]["id"] != cases[i]["id"] {
			t.Fatalf("answer %d is for %v", i, answers[i]["id"])
		}
	}
	expect := func(i int, key string, want any) {
		t.Helper()
		if g := fmt.Sprint(answers[i][key]); g != fmt.Sprint(want) {
			t.Errorf("%s %s = %s, want %v", cases[i]["id"], key, g, want)
		}
	}
	expect(0, "outcome", "complete")
	expect(0, "data", base64.StdEncoding.EncodeToString(big))
	expect(1, "outcome", "complete")
	expect(1, "data", b64("pp"))
	expect(1, "data_events", []any{b64("d1"), b64("d2")})
	expect(1, "status_events", []any{[]any{1, 2}})
	expect(2, "outcome", "fail")
	expect(2, "data", "")
	expect(3, "outcome", "exception")
	expect(3, "data", b64("boom"))
	expect(4, "outcome", "complete")
	expect(4, "seen_running", true)
	if answers[4]["handle"] == "" || answers[4]["polls"].(float64) < 2 {
		t.Errorf("background answer %v", answers[4])
	}
	expect(5, "outcome", "error")
	if _, ok := answers[0]["error"]; ok {
		t.Errorf("error field on a complete answer: %v", answers[0]["error"])
	}

	cancel() // SIGTERM in the real program
	select {
	case err := <-workerDone:
		if err != nil {
			t.Fatalf("worker: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("worker did not stop")
	}
}

func TestClientTimeoutText(t *testing.T) {
	srv := testserver.Start(t)
	var out bytes.Buffer
	// A case deadline far shorter than 30 s stands in for the per-case timeout.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	in := `{"id": "t1", "op": "call", "function": "gom_nobody", "payload": ""}` + "\n"
	if err := runClient(ctx, []string{"--grpc", srv.GRPCAddress()}, strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	var answer map[string]any
	if err := json.Unmarshal(out.Bytes(), &answer); err != nil {
		t.Fatal(err)
	}
	if answer["outcome"] != "error" || answer["error"] != "timeout" {
		t.Fatalf("answer %v", answer)
	}
}
