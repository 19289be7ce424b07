// Command loadgen drives a Gearman job server (raw TCP protocol or geargate's gRPC API) for
// geargate's benchmarks. The command line and the JSON it prints are a contract shared with
// bench/run: see the usage text below. Every mode prints exactly one JSON line on stdout
// (diagnostics go to stderr) and exits 0 on success, 1 when verification failed, 2 on a usage
// error.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const usageText = `usage: loadgen MODE --addr HOST:PORT [flags]

modes:
  worker        --addr A -n N [--func echo] [--ready-file PATH]
  client        --addr A -n M -w W -s S -d SECS --warmup SECS [--func echo]
  bg            --addr A -n M -w W -s S -j K [--drain-workers N] [--func echo]
  idle          --addr A -c C [--func idle] [--role worker|client] [--ready-file PATH]
  grpc-call     --addr A -n M -d SECS --warmup SECS -s S [--func echo]
  grpc-pipeline --addr A -n M -w W -d SECS --warmup SECS -s S [--func echo] [--batch]
  grpc-worker   --addr A -n N [--func echo] [--credit K] [--ready-file PATH]

common flags:
  --addr HOST:PORT   Gearman TCP address, or the gRPC address for grpc-* modes
  --timeout SECS     hard watchdog: print {"error":"timeout"} and exit 1 (default 120, or
                     warmup+d+60 when that is longer; modes that run until SIGTERM have no
                     watchdog unless --timeout is given)
  --server-pid PID   report the server's CPU time over the measured window (server_cpu_s)

run 'loadgen MODE -h' for the flags of one mode.
`

// opts holds every flag; each mode registers the ones it takes.
type opts struct {
	mode       string
	addr       string
	timeout    float64
	timeoutSet bool
	serverPID  int

	conns, window, size, jobs, drain, idleConns, credit int
	dur, warmup                                         float64
	fn, role, readyFile                                 string
	faultEvery                                          int
	batch, noUnique                                     bool
}

type mode struct {
	run     func(*opts) int
	timed   bool // runs for warmup + d seconds (else: until SIGTERM, or bg's fixed job count)
	flags   func(*flag.FlagSet, *opts)
	needs   []string // flags that must be > 0
	forever bool     // runs until SIGTERM: no default watchdog
}

var modes = map[string]mode{
	"worker": {run: runWorker, forever: true, flags: func(fs *flag.FlagSet, o *opts) {
		fs.IntVar(&o.conns, "n", 1, "worker connections")
		funcFlag(fs, o, "echo")
		fs.StringVar(&o.readyFile, "ready-file", "", "touch this file once every connection is registered")
		faultFlag(fs, o)
	}, needs: []string{"n"}},
	"client": {run: runClient, timed: true, flags: func(fs *flag.FlagSet, o *opts) {
		loadFlags(fs, o, true, true)
	}, needs: []string{"n", "w", "d"}},
	"bg": {run: runBG, flags: func(fs *flag.FlagSet, o *opts) {
		loadFlags(fs, o, true, false)
		fs.IntVar(&o.jobs, "j", 10000, "background jobs to submit in total")
		fs.IntVar(&o.drain, "drain-workers", 0, "workers to start after the submit phase (0: no drain phase)")
		fs.BoolVar(&o.noUnique, "no-unique", false, "submit with empty uniques (no drain: the drain check needs them)")
	}, needs: []string{"n", "w", "j"}},
	"idle": {run: runIdle, forever: true, flags: func(fs *flag.FlagSet, o *opts) {
		fs.IntVar(&o.idleConns, "c", 100, "idle connections")
		funcFlag(fs, o, "idle")
		fs.StringVar(&o.role, "role", "worker", "worker (CAN_DO + PRE_SLEEP) or client (one ECHO_REQ)")
		fs.StringVar(&o.readyFile, "ready-file", "", "touch this file once every connection is registered")
	}, needs: []string{"c"}},
	"grpc-call": {run: runGRPCCall, timed: true, flags: func(fs *flag.FlagSet, o *opts) {
		loadFlags(fs, o, false, true)
	}, needs: []string{"n", "d"}},
	"grpc-pipeline": {run: runGRPCPipeline, timed: true, flags: func(fs *flag.FlagSet, o *opts) {
		loadFlags(fs, o, true, true)
		fs.BoolVar(&o.batch, "batch", false, "use PipelineBatch: many submissions and events per message")
	}, needs: []string{"n", "w", "d"}},
	"grpc-worker": {run: runGRPCWorker, forever: true, flags: func(fs *flag.FlagSet, o *opts) {
		fs.IntVar(&o.conns, "n", 1, "Work streams, each on its own connection")
		funcFlag(fs, o, "echo")
		fs.IntVar(&o.credit, "credit", 1, "jobs each stream holds at once (Register.concurrency)")
		fs.StringVar(&o.readyFile, "ready-file", "", "touch this file once the server lists every stream")
		faultFlag(fs, o)
	}, needs: []string{"n", "credit"}},
}

func funcFlag(fs *flag.FlagSet, o *opts, def string) {
	fs.StringVar(&o.fn, "func", def, "function name")
}

func faultFlag(fs *flag.FlagSet, o *opts) {
	fs.IntVar(&o.faultEvery, "fault-every", 0, "TEST ONLY: corrupt every Nth echoed payload (checks that clients catch it)")
}

func loadFlags(fs *flag.FlagSet, o *opts, window, timed bool) {
	fs.IntVar(&o.conns, "n", 1, "connections (gRPC: one connection per stream or caller)")
	if window {
		fs.IntVar(&o.window, "w", 1, "outstanding submissions per connection")
	}
	fs.IntVar(&o.size, "s", 64, "payload bytes (a unique stamp fills the first 16)")
	if timed {
		fs.Float64Var(&o.dur, "d", 10, "measured seconds")
		fs.Float64Var(&o.warmup, "warmup", 1, "seconds of load before the measured window")
	}
	funcFlag(fs, o, "echo")
}

func main() {
	if len(os.Args) < 2 || strings.HasPrefix(os.Args[1], "-") {
		fmt.Fprint(os.Stderr, usageText)
		os.Exit(2)
	}
	m, ok := modes[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "loadgen: unknown mode %q\n\n%s", os.Args[1], usageText)
		os.Exit(2)
	}
	o := &opts{mode: os.Args[1]}
	fs := flag.NewFlagSet("loadgen "+o.mode, flag.ContinueOnError)
	fs.StringVar(&o.addr, "addr", "", "server address HOST:PORT")
	fs.Float64Var(&o.timeout, "timeout", 120, "hard watchdog in seconds")
	fs.IntVar(&o.serverPID, "server-pid", 0, "server process id (report its CPU time)")
	m.flags(fs, o)
	if err := fs.Parse(os.Args[2:]); err != nil {
		if err == flag.ErrHelp {
			os.Exit(0)
		}
		os.Exit(2)
	}
	fs.Visit(func(f *flag.Flag) { o.timeoutSet = o.timeoutSet || f.Name == "timeout" })
	usageError := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "loadgen %s: "+format+"\n", append([]any{o.mode}, args...)...)
		os.Exit(2)
	}
	if fs.NArg() > 0 {
		usageError("unexpected argument %q", fs.Arg(0))
	}
	if o.addr == "" {
		usageError("--addr is required")
	}
	for _, name := range m.needs {
		positive := true
		switch v := fs.Lookup(name).Value.(flag.Getter).Get().(type) {
		case int:
			positive = v > 0
		case float64:
			positive = v > 0
		}
		if !positive {
			usageError("-%s must be > 0", name)
		}
	}
	if o.size < 0 || o.warmup < 0 || o.drain < 0 || o.timeout < 0 || o.faultEvery < 0 {
		usageError("negative value")
	}
	if o.window >= 1<<20 {
		usageError("-w must be < %d", 1<<20)
	}
	if o.noUnique && o.drain > 0 {
		usageError("--no-unique has no drain phase: the drain check identifies jobs by unique")
	}
	if o.mode == "idle" && o.role != "worker" && o.role != "client" {
		usageError("--role must be worker or client")
	}
	switch {
	case m.timed && !o.timeoutSet:
		o.timeout = math.Max(o.timeout, o.warmup+o.dur+60)
	case m.forever && !o.timeoutSet:
		o.timeout = 0
	}
	if m.forever {
		signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	}
	os.Exit(m.run(o))
}

// ---------------------------------------------------------------- output

// result is a JSON object whose keys keep the order they were first set in.
type result struct {
	keys []string
	vals map[string]any
}

func newResult(mode string) *result {
	r := &result{vals: map[string]any{}}
	r.set("mode", mode)
	return r
}

func (r *result) set(key string, v any) {
	if f, ok := v.(float64); ok {
		v = round3(f)
	}
	if _, ok := r.vals[key]; !ok {
		r.keys = append(r.keys, key)
	}
	r.vals[key] = v
}

func (r *result) get(key string) any { return r.vals[key] }

func (r *result) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, k := range r.keys {
		if i > 0 {
			b = append(b, ',')
		}
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(r.vals[k])
		if err != nil {
			return nil, err
		}
		b = append(append(append(b, kb...), ':'), vb...)
	}
	return append(b, '}'), nil
}

func round3(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return math.Round(f*1000) / 1000
}

var emitOnce sync.Once

// emit prints the one JSON line (only the first call prints) and returns the exit code:
// 1 when the result has errors, an error key, or completed != submitted; else 0.
func emit(r *result) int {
	code := 0
	if e, _ := r.get("errors").(int64); e > 0 {
		code = 1
	}
	if sub, ok := r.get("submitted").(int64); ok && sub != r.get("completed") {
		code = 1
	}
	if r.get("error") != nil {
		code = 1
	}
	emitOnce.Do(func() {
		b, err := json.Marshal(r)
		if err != nil {
			b = []byte(`{"error":"json"}`)
			code = 1
		}
		os.Stdout.Write(append(b, '\n'))
	})
	return code
}

// watchdog ends the process after o.timeout seconds with {"error":"timeout"} plus whatever
// snap reports about the progress so far.
func watchdog(o *opts, snap func(*result)) {
	if o.timeout <= 0 {
		return
	}
	time.AfterFunc(time.Duration(o.timeout*float64(time.Second)), func() {
		r := newResult(o.mode)
		if snap != nil {
			snap(r)
		}
		r.set("error", "timeout")
		logf("watchdog: %gs passed, giving up", o.timeout)
		emit(r)
		os.Exit(1)
	})
}

// signals receives SIGTERM and SIGINT in the modes that run until told to stop.
var signals = make(chan os.Signal, 1)

// reportOnSignal waits for SIGTERM or SIGINT, then reports a worker mode's run since t0 and
// cpu0. stopping is set first: the connection errors that the shutdown causes are not errors.
func reportOnSignal(o *opts, stopping *atomic.Bool, t0 int64, cpu0 cpuSample, snap func(*result)) int {
	<-signals
	stopping.Store(true)
	t1, cpu1 := mono(), sampleCPU(o)
	r := newResult(o.mode)
	snap(r)
	r.set("seconds", float64(t1-t0)/1e9)
	setCPU(r, cpu0, cpu1, "cpu_s", "server_cpu_s")
	return emit(r)
}

// ---------------------------------------------------------------- helpers

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "loadgen: "+format+"\n", args...)
}

// complaints caps the error messages written to stderr; every error is still counted.
var complaints atomic.Int64

func complain(format string, args ...any) {
	switch n := complaints.Add(1); {
	case n <= 20:
		logf(format, args...)
	case n == 21:
		logf("more errors follow; not shown")
	}
}

// touch creates path (or updates its time): the ready signal for the runner.
func touch(path string) {
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o644)
	if err == nil {
		err = f.Close()
	}
	if err == nil {
		now := time.Now()
		err = os.Chtimes(path, now, now)
	}
	if err != nil {
		logf("ready file: %v", err)
	}
}

// readyCounter touches the ready file when the n-th registration arrives.
type readyCounter struct {
	n    int64
	done atomic.Int64
	path string
}

func (r *readyCounter) one() {
	if r.done.Add(1) == r.n {
		logf("all %d connections registered", r.n)
		touch(r.path)
	}
}

// sumCounters adds up one counter over a set of per-connection structs.
func sumCounters[T any](xs []T, f func(T) *atomic.Int64) int64 {
	var n int64
	for _, x := range xs {
		n += f(x).Load()
	}
	return n
}
