package geargate_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/geargate/geargate/clients/go/geargate"
	"github.com/geargate/geargate/clients/go/internal/testserver"
)

// guard bounds every wait so a broken server or library fails the test instead of hanging it.
const guard = 20 * time.Second

var fnCounter atomic.Int64

// fn returns a function name no other test uses, so tests can share one server.
func fn(name string) string {
	return fmt.Sprintf("go_%s_%d", name, fnCounter.Add(1))
}

var (
	sharedOnce   sync.Once
	sharedServer *testserver.Server
)

// shared returns one server for the tests that do not stop or reconfigure it.
func shared(t *testing.T) *testserver.Server {
	t.Helper()
	sharedOnce.Do(func() {
		sharedServer = testserver.Start(&sharedT{t})
	})
	if sharedServer == nil {
		t.Fatal("the shared geargate did not start")
	}
	return sharedServer
}

// sharedT lets the shared server outlive the test that started it (stopped in TestMain).
type sharedT struct{ *testing.T }

func (s *sharedT) Cleanup(func()) {}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedServer != nil {
		sharedServer.Stop()
	}
	os.Exit(code)
}

func newClient(t *testing.T, srv *testserver.Server, opts ...geargate.Option) *geargate.Client {
	t.Helper()
	c, err := geargate.NewClient(srv.GRPCAddress(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// startWorker runs w until the test ends and waits for its registration.
func startWorker(t *testing.T, w *geargate.Worker) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(guard):
				runErr = errors.New("worker did not stop")
			}
		})
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	select {
	case <-w.Ready():
	case err := <-done:
		t.Fatalf("worker ended before it was ready: %v", err)
	case <-time.After(guard):
		t.Fatal("worker never became ready")
	}
	return stop
}

func ctxGuard(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	t.Cleanup(cancel)
	return ctx
}

func TestCallOutcomes(t *testing.T) {
	srv := shared(t)
	echo, progress, failing, throwing, panicking := fn("echo"), fn("progress"), fn("fail"),
		fn("throw"), fn("panic")
	w := geargate.NewWorker(srv.GRPCAddress(), geargate.WithConcurrency(4))
	w.Handle(echo, func(_ context.Context, j *geargate.Job) ([]byte, error) {
		return j.Payload, nil
	})
	w.Handle(progress, func(_ context.Context, j *geargate.Job) ([]byte, error) {
		for _, err := range []error{j.SendData([]byte("d1")), j.SendStatus(1, 2),
			j.SendWarning([]byte("w1")), j.SendData([]byte("d2"))} {
			if err != nil {
				return nil, err
			}
		}
		return append([]byte("done:"), j.Payload...), nil
	})
	w.Handle(failing, func(context.Context, *geargate.Job) ([]byte, error) {
		return nil, fmt.Errorf("no luck: %w", geargate.ErrFail)
	})
	w.Handle(throwing, func(context.Context, *geargate.Job) ([]byte, error) {
		return nil, errors.New("boom")
	})
	w.Handle(panicking, func(context.Context, *geargate.Job) ([]byte, error) {
		panic("kaput")
	})
	startWorker(t, w)
	c := newClient(t, srv)
	ctx := ctxGuard(t)

	t.Run("complete binary 1MiB", func(t *testing.T) {
		payload := make([]byte, 1<<20)
		for i := range payload {
			payload[i] = byte(i * 7)
		}
		payload[0], payload[len(payload)-1] = 0, 0
		res, err := c.Call(ctx, echo, payload)
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != geargate.OutcomeComplete || !bytes.Equal(res.Data, payload) {
			t.Fatalf("outcome %v, %d bytes back, equal=%v", res.Outcome, len(res.Data),
				bytes.Equal(res.Data, payload))
		}
		if res.Handle == "" {
			t.Fatal("no handle")
		}
	})
	t.Run("events collected", func(t *testing.T) {
		res, err := c.Call(ctx, progress, []byte("x"), geargate.WithEvents())
		if err != nil {
			t.Fatal(err)
		}
		if string(res.Data) != "done:x" {
			t.Fatalf("data %q", res.Data)
		}
		if got := strs(res.DataEvents); !slices.Equal(got, []string{"d1", "d2"}) {
			t.Fatalf("data events %q", got)
		}
		if got := strs(res.Warnings); !slices.Equal(got, []string{"w1"}) {
			t.Fatalf("warnings %q", got)
		}
	})
	t.Run("events not collected without WithEvents", func(t *testing.T) {
		res, err := c.Call(ctx, progress, []byte("y"))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.DataEvents) != 0 || len(res.Warnings) != 0 {
			t.Fatalf("unexpected events %q %q", res.DataEvents, res.Warnings)
		}
	})
	t.Run("fail", func(t *testing.T) {
		res, err := c.Call(ctx, failing, nil)
		if !errors.Is(err, geargate.ErrJobFailed) || errors.Is(err, geargate.ErrJobException) {
			t.Fatalf("err %v", err)
		}
		var jobErr *geargate.JobError
		if !errors.As(err, &jobErr) || jobErr.Handle == "" || len(jobErr.Data) != 0 {
			t.Fatalf("job error %#v", jobErr)
		}
		if res == nil || res.Outcome != geargate.OutcomeFail {
			t.Fatalf("result %#v", res)
		}
	})
	t.Run("exception", func(t *testing.T) {
		res, err := c.Call(ctx, throwing, nil)
		var jobErr *geargate.JobError
		if !errors.Is(err, geargate.ErrJobException) || !errors.As(err, &jobErr) {
			t.Fatalf("err %v", err)
		}
		if string(jobErr.Data) != "boom" || string(res.Data) != "boom" {
			t.Fatalf("exception data %q / %q", jobErr.Data, res.Data)
		}
	})
	t.Run("panic is an exception", func(t *testing.T) {
		_, err := c.Call(ctx, panicking, nil)
		var jobErr *geargate.JobError
		if !errors.As(err, &jobErr) || string(jobErr.Data) != "kaput" {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("run streams events in order", func(t *testing.T) {
		stream, err := c.Run(ctx, progress, []byte("z"))
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		var created string
		for ev, err := range stream.All() {
			if err != nil {
				t.Fatal(err)
			}
			switch ev.Kind {
			case geargate.EventCreated:
				created = ev.Handle
				kinds = append(kinds, "created")
			case geargate.EventStatus:
				kinds = append(kinds, fmt.Sprintf("status %d/%d", ev.Progress.Numerator,
					ev.Progress.Denominator))
			default:
				kinds = append(kinds, ev.Kind.String()+" "+string(ev.Data))
			}
		}
		want := []string{"created", "data d1", "status 1/2", "warning w1", "data d2",
			"complete done:z"}
		if !slices.Equal(kinds, want) {
			t.Fatalf("events %q, want %q", kinds, want)
		}
		if created == "" || stream.Handle() != created {
			t.Fatalf("handle %q vs %q", created, stream.Handle())
		}
		if _, err := stream.Recv(); err != io.EOF {
			t.Fatalf("after the terminal event: %v", err)
		}
	})
	t.Run("run wait gathers the result", func(t *testing.T) {
		stream, err := c.Run(ctx, throwing, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := stream.Wait()
		if !errors.Is(err, geargate.ErrJobException) || string(res.Data) != "boom" {
			t.Fatalf("wait: %v %#v", err, res)
		}
		stream, err = c.Run(ctx, progress, []byte("w"))
		if err != nil {
			t.Fatal(err)
		}
		res, err = stream.Wait()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.Statuses, []geargate.Progress{{Numerator: 1, Denominator: 2}}) ||
			!slices.Equal(strs(res.DataEvents), []string{"d1", "d2"}) {
			t.Fatalf("result %#v", res)
		}
	})
}

func strs(bs [][]byte) []string {
	out := make([]string, 0, len(bs))
	for _, b := range bs {
		out = append(out, string(b))
	}
	return out
}

func TestRPCErrorsKeepStatusCode(t *testing.T) {
	srv := shared(t)
	c := newClient(t, srv)
	_, err := c.Call(ctxGuard(t), "", []byte("x"))
	if geargate.Code(err) != codes.InvalidArgument {
		t.Fatalf("empty function: %v (code %v)", err, geargate.Code(err))
	}
	_, err = c.Submit(ctxGuard(t), fn("x"), nil, geargate.WithUnique(string(make([]byte, 65))))
	if geargate.Code(err) != codes.InvalidArgument {
		t.Fatalf("long unique: %v", err)
	}
	// No worker: the deadline ends the call with DEADLINE_EXCEEDED.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = c.Call(ctx, fn("nobody"), nil)
	if geargate.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("deadline: %v", err)
	}
	// The client-wide timeout applies when the context has none.
	timed := newClient(t, srv, geargate.WithCallTimeout(200*time.Millisecond))
	_, err = timed.Call(context.Background(), fn("nobody"), nil)
	if geargate.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("call timeout: %v", err)
	}
}

func TestSubmitStatusAndCancel(t *testing.T) {
	srv := shared(t)
	c := newClient(t, srv)
	ctx := ctxGuard(t)
	name := fn("queued")
	handle, err := c.Submit(ctx, name, []byte("p"), geargate.WithUnique("u-"+name))
	if err != nil || handle == "" {
		t.Fatalf("submit: %q %v", handle, err)
	}
	st, err := c.Status(ctx, handle)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Known || st.Running || st.Handle != handle {
		t.Fatalf("status %#v", st)
	}
	st, err = c.StatusByUnique(ctx, "u-"+name)
	if err != nil || !st.Known || st.Handle != handle {
		t.Fatalf("status by unique %#v %v", st, err)
	}
	ok, err := c.Cancel(ctx, handle)
	if err != nil || !ok {
		t.Fatalf("cancel: %v %v", ok, err)
	}
	st, err = c.Status(ctx, handle)
	if err != nil || st.Known {
		t.Fatalf("status after cancel %#v %v", st, err)
	}
	ok, err = c.Cancel(ctx, handle)
	if err != nil || ok {
		t.Fatalf("second cancel: %v %v", ok, err)
	}
}

func TestBackgroundJobRunsAndStatusShowsProgress(t *testing.T) {
	srv := shared(t)
	name := fn("bg")
	release := make(chan struct{})
	reported := make(chan struct{})
	w := geargate.NewWorker(srv.GRPCAddress())
	w.Handle(name, func(ctx context.Context, j *geargate.Job) ([]byte, error) {
		if err := j.SendStatus(3, 7); err != nil {
			return nil, err
		}
		close(reported)
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil, nil
	})
	startWorker(t, w)
	c := newClient(t, srv)
	ctx := ctxGuard(t)
	handle, err := c.Submit(ctx, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-reported:
	case <-ctx.Done():
		t.Fatal("the job never ran")
	}
	// The status report is in the stream before the handler went on; poll until it lands.
	var st *geargate.JobStatus
	for {
		st, err = c.Status(ctx, handle)
		if err != nil {
			t.Fatal(err)
		}
		if st.Numerator == 3 || ctx.Err() != nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !st.Known || !st.Running || st.Numerator != 3 || st.Denominator != 7 {
		t.Fatalf("status while running %#v", st)
	}
	close(release)
	for st.Known && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
		if st, err = c.Status(ctx, handle); err != nil {
			t.Fatal(err)
		}
	}
	if st.Known {
		t.Fatal("the job never finished")
	}
}

func TestCancelStopsHandlerWithoutReport(t *testing.T) {
	srv := shared(t)
	name := fn("cancel")
	causes := make(chan error, 1)
	started := make(chan string, 1)
	var rejected atomic.Int32
	w := geargate.NewWorker(srv.GRPCAddress(),
		geargate.WithOnRejected(func(string, string) { rejected.Add(1) }))
	w.Handle(name, func(ctx context.Context, j *geargate.Job) ([]byte, error) {
		if string(j.Payload) == "quick" {
			return []byte("quick done"), nil
		}
		started <- j.Handle
		<-ctx.Done()
		causes <- context.Cause(ctx)
		if err := j.SendData([]byte("late")); !errors.Is(err, geargate.ErrJobDone) {
			return nil, fmt.Errorf("SendData after cancel: %v", err)
		}
		return []byte("ignored"), nil
	})
	startWorker(t, w)
	c := newClient(t, srv)
	ctx := ctxGuard(t)
	stream, err := c.Run(ctx, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	var handle string
	select {
	case handle = <-started:
	case <-ctx.Done():
		t.Fatal("never assigned")
	}
	if ok, err := c.Cancel(ctx, handle); err != nil || !ok {
		t.Fatalf("cancel %v %v", ok, err)
	}
	res, err := stream.Wait()
	if !errors.Is(err, geargate.ErrJobFailed) || res.Handle != handle {
		t.Fatalf("client saw %v %#v", err, res)
	}
	select {
	case cause := <-causes:
		if !errors.Is(cause, geargate.ErrJobCancelled) {
			t.Fatalf("cause %v", cause)
		}
	case <-ctx.Done():
		t.Fatal("the handler's context was not cancelled")
	}
	// The cancelled job no longer holds the worker's only slot: its next job completes.
	res, err = c.Call(ctx, name, []byte("quick"))
	if err != nil || string(res.Data) != "quick done" {
		t.Fatalf("next job: %v", err)
	}
	if n := rejected.Load(); n != 0 {
		t.Fatalf("%d reports were rejected", n)
	}
}

func TestJobTimeoutRequeuesAndCancelsHandler(t *testing.T) {
	srv := shared(t)
	name := fn("timeout")
	causes := make(chan error, 4)
	w := geargate.NewWorker(srv.GRPCAddress())
	w.Handle(name, func(ctx context.Context, j *geargate.Job) ([]byte, error) {
		if j.Attempt >= 2 {
			return []byte("attempt " + strconv.Itoa(int(j.Attempt))), nil
		}
		<-ctx.Done()
		causes <- context.Cause(ctx)
		return nil, errors.New("must not be reported")
	}, geargate.WithJobTimeout(300*time.Millisecond))
	startWorker(t, w)
	c := newClient(t, srv)
	ctx := ctxGuard(t)
	res, err := c.Call(ctx, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Data) != "attempt 2" {
		t.Fatalf("result %q", res.Data)
	}
	if cause := <-causes; !errors.Is(cause, geargate.ErrJobTimeout) {
		t.Fatalf("cause %v", cause)
	}
}

func TestConcurrencyIsTheCredit(t *testing.T) {
	srv := shared(t)
	name := fn("conc")
	const credit = 3
	var current, peak atomic.Int32
	arrived := make(chan struct{}, 16)
	release := make(chan struct{})
	w := geargate.NewWorker(srv.GRPCAddress(), geargate.WithConcurrency(credit))
	w.Handle(name, func(ctx context.Context, j *geargate.Job) ([]byte, error) {
		n := current.Add(1)
		defer current.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		arrived <- struct{}{}
		select {
		case <-release:
		case <-ctx.Done():
		}
		return j.Payload, nil
	})
	startWorker(t, w)
	c := newClient(t, srv)
	ctx := ctxGuard(t)
	var handles []string
	for i := range 2 * credit {
		h, err := c.Submit(ctx, name, []byte{byte(i)})
		if err != nil {
			t.Fatal(err)
		}
		handles = append(handles, h)
	}
	for range credit {
		select {
		case <-arrived:
		case <-ctx.Done():
			t.Fatal("fewer handlers than the credit ran at once")
		}
	}
	// Exactly `credit` jobs are running; the rest wait in the queue.
	running := 0
	for _, h := range handles {
		st, err := c.Status(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		if st.Running {
			running++
		}
	}
	if running != credit {
		t.Fatalf("%d jobs running, want %d", running, credit)
	}
	close(release)
	for range credit {
		select {
		case <-arrived:
		case <-ctx.Done():
			t.Fatal("the queued jobs never ran")
		}
	}
	if p := peak.Load(); p != credit {
		t.Fatalf("peak concurrency %d, want %d", p, credit)
	}
}

func TestGracefulStopFinishesRunningJob(t *testing.T) {
	srv := shared(t)
	name := fn("graceful")
	started := make(chan struct{})
	release := make(chan struct{})
	w := geargate.NewWorker(srv.GRPCAddress())
	w.Handle(name, func(ctx context.Context, j *geargate.Job) ([]byte, error) {
		close(started)
		select {
		case <-release:
			return []byte("finished"), nil
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	})
	stop := startWorker(t, w)
	c := newClient(t, srv)
	ctx := ctxGuard(t)
	type answer struct {
		res *geargate.Result
		err error
	}
	answers := make(chan answer, 1)
	go func() {
		res, err := c.Call(ctx, name, nil)
		answers <- answer{res, err}
	}()
	select {
	case <-started:
	case <-ctx.Done():
		t.Fatal("never started")
	}
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	// Run must wait for the running handler.
	select {
	case err := <-stopped:
		t.Fatalf("Run returned (%v) while a handler was running", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	if err := <-stopped; err != nil {
		t.Fatalf("Run: %v", err)
	}
	a := <-answers
	if a.err != nil || string(a.res.Data) != "finished" {
		t.Fatalf("call: %v %#v", a.err, a.res)
	}
	// The worker is gone: a new job stays queued.
	h, err := c.Submit(ctx, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.Status(ctx, h)
	if err != nil || !st.Known || st.Running {
		t.Fatalf("status after stop %#v %v", st, err)
	}
}

func TestWorkerReconnectsAfterServerRestart(t *testing.T) {
	srv := testserver.Start(t)
	name := fn("reconnect")
	var connects, disconnects atomic.Int32
	w := geargate.NewWorker(srv.GRPCAddress(),
		geargate.WithBackoff(20*time.Millisecond, 200*time.Millisecond),
		geargate.WithOnConnect(func() { connects.Add(1) }),
		geargate.WithOnDisconnect(func(error) { disconnects.Add(1) }))
	w.Handle(name, func(_ context.Context, j *geargate.Job) ([]byte, error) {
		return append([]byte("r:"), j.Payload...), nil
	})
	startWorker(t, w)
	c := newClient(t, srv)
	ctx := ctxGuard(t)
	if res, err := c.Call(ctx, name, []byte("1")); err != nil || string(res.Data) != "r:1" {
		t.Fatalf("before restart: %v", err)
	}
	srv.Kill()
	srv.Restart(t)
	res, err := c.Call(ctx, name, []byte("2"))
	if err != nil || string(res.Data) != "r:2" {
		t.Fatalf("after restart: %v", err)
	}
	for connects.Load() < 2 && ctx.Err() == nil { // confirmation polls run beside the jobs
		time.Sleep(10 * time.Millisecond)
	}
	if disconnects.Load() < 1 || connects.Load() < 2 {
		t.Fatalf("connects %d disconnects %d", connects.Load(), disconnects.Load())
	}
}

func TestWorkerAnswersPings(t *testing.T) {
	// Ping after 0.2 s of silence; an unanswered ping would end the stream 0.2 s later.
	srv := testserver.Start(t, "--grpc-ping-interval", "0.2")
	name := fn("ping")
	var disconnects atomic.Int32
	w := geargate.NewWorker(srv.GRPCAddress(),
		geargate.WithOnDisconnect(func(error) { disconnects.Add(1) }))
	w.Handle(name, func(_ context.Context, j *geargate.Job) ([]byte, error) { return j.Payload, nil })
	startWorker(t, w)
	time.Sleep(1500 * time.Millisecond) // several ping rounds
	if n := disconnects.Load(); n != 0 {
		t.Fatalf("the stream was dropped %d times while idle", n)
	}
	c := newClient(t, srv)
	if res, err := c.Call(ctxGuard(t), name, []byte("p")); err != nil || string(res.Data) != "p" {
		t.Fatalf("call: %v", err)
	}
}

func TestWorkerRefusedRegistrationIsFatal(t *testing.T) {
	srv := shared(t)
	w := geargate.NewWorker(srv.GRPCAddress())
	w.Handle(string(bytes.Repeat([]byte("f"), 600)), func(context.Context, *geargate.Job) ([]byte, error) {
		return nil, nil
	})
	ctx := ctxGuard(t)
	err := w.Run(ctx)
	if geargate.Code(err) != codes.InvalidArgument {
		t.Fatalf("Run: %v", err)
	}
}

func TestHandleMisuse(t *testing.T) {
	w := geargate.NewWorker("")
	w.Handle("a", func(context.Context, *geargate.Job) ([]byte, error) { return nil, nil })
	for name, f := range map[string]func(){
		"duplicate": func() {
			w.Handle("a", func(context.Context, *geargate.Job) ([]byte, error) { return nil, nil })
		},
		"empty": func() {
			w.Handle("", func(context.Context, *geargate.Job) ([]byte, error) { return nil, nil })
		},
		"nil": func() { w.Handle("b", nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
	if err := geargate.NewWorker("").Run(context.Background()); err == nil {
		t.Fatal("Run without handlers succeeded")
	}
}
