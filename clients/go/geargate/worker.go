package geargate

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/geargate/geargate/clients/go/geargatepb"
)

// A Handler runs one job. Return the result to complete the job; return ErrFail (or an error
// wrapping it) to fail it; return any other error, or panic, to end it with an exception
// whose data is the error's (or panic's) message. ctx is cancelled when the job is taken
// back: context.Cause(ctx) is then ErrJobCancelled, ErrJobTimeout, ErrConnectionLost or
// ErrWorkerStopped, and nothing the handler returns is reported.
type Handler func(ctx context.Context, job *Job) ([]byte, error)

// HandleOption tunes the registration of one function.
type HandleOption func(*registration)

type registration struct {
	function string
	handler  Handler
	timeout  time.Duration
}

// WithJobTimeout asks the server to take a job of this function back (and requeue it) when
// the worker holds it longer than d (CAN_DO_TIMEOUT). The handler's ctx is then cancelled
// with cause ErrJobTimeout.
func WithJobTimeout(d time.Duration) HandleOption {
	return func(r *registration) { r.timeout = d }
}

// Worker runs handlers for jobs pushed by the server over one gRPC stream, reconnecting with
// backoff when the stream breaks.
type Worker struct {
	target   string
	settings *settings

	mu       sync.Mutex
	handlers map[string]*registration
	order    []string
	started  bool

	ready     chan struct{}
	readyOnce sync.Once
}

// NewWorker creates a worker for the server at target (empty means DefaultAddress).
// Register functions with Handle, then call Run.
func NewWorker(target string, opts ...Option) *Worker {
	s := newSettings(opts)
	if s.workerID == "" {
		host, _ := os.Hostname()
		var b [4]byte
		_, _ = rand.Read(b[:])
		s.workerID = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	return &Worker{
		target:   target,
		settings: s,
		handlers: map[string]*registration{},
		ready:    make(chan struct{}),
	}
}

// ID is the worker id shown by the server's `workers` listing.
func (w *Worker) ID() string { return w.settings.workerID }

// Handle registers the handler for a function. It panics when called after Run, with an empty
// function name, a nil handler or a function already registered (like http.ServeMux).
func (w *Worker) Handle(function string, handler Handler, opts ...HandleOption) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.started:
		panic("geargate: Handle called after Run")
	case function == "":
		panic("geargate: empty function name")
	case handler == nil:
		panic("geargate: nil handler for " + function)
	case w.handlers[function] != nil:
		panic("geargate: function registered twice: " + function)
	}
	r := &registration{function: function, handler: handler}
	for _, opt := range opts {
		opt(r)
	}
	w.handlers[function] = r
	w.order = append(w.order, function)
}

// Ready is closed once the server has confirmed the worker's first registration.
func (w *Worker) Ready() <-chan struct{} { return w.ready }

// Run connects, registers and runs jobs until ctx is cancelled, then stops gracefully: it
// takes no new jobs, waits for running handlers (up to the drain timeout), reports their
// outcomes and closes the stream; it then returns nil. A broken stream is reopened after a
// backoff. Run returns an error only for a problem reconnecting cannot fix: no handlers, or
// the server refusing the registration (INVALID_ARGUMENT, UNIMPLEMENTED, ...).
func (w *Worker) Run(ctx context.Context) error {
	w.mu.Lock()
	if w.started {
		w.mu.Unlock()
		return errors.New("geargate: Worker.Run called twice")
	}
	w.started = true
	regs := make([]*registration, 0, len(w.order))
	for _, name := range w.order {
		regs = append(regs, w.handlers[name])
	}
	w.mu.Unlock()
	if len(regs) == 0 {
		return errors.New("geargate: worker has no handlers")
	}

	conn, err := w.settings.dial(w.target)
	if err != nil {
		return fmt.Errorf("geargate: connect %q: %w", w.target, err)
	}
	defer conn.Close()

	delay := w.settings.backoffMin
	for {
		confirmed, err := w.session(ctx, conn, regs)
		if ctx.Err() != nil {
			return nil
		}
		if fatal(err) {
			return rpcError("worker stream", err)
		}
		w.settings.logger.Warn("geargate worker stream ended; reconnecting", "error", err)
		if w.settings.onDisconnect != nil {
			w.settings.onDisconnect(err)
		}
		if confirmed {
			delay = w.settings.backoffMin
		}
		// Full jitter between half the delay and the delay.
		wait := delay/2 + time.Duration(mrand.Int64N(int64(delay/2)+1))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		delay = min(delay*2, w.settings.backoffMax)
	}
}

// fatal tells whether reconnecting cannot help.
func fatal(err error) bool {
	switch status.Code(err) {
	case codes.InvalidArgument, codes.Unimplemented, codes.PermissionDenied,
		codes.Unauthenticated, codes.FailedPrecondition:
		return true
	}
	return false
}

// Job is one assignment given to a handler.
type Job struct {
	Handle   string
	Function string
	Unique   string
	Reducer  string
	Payload  []byte
	// Attempt is 1 for the first attempt, more after the job was requeued.
	Attempt uint32

	s      *session
	cancel context.CancelCauseFunc
	mu     sync.Mutex
	over   bool // reported or taken back: nothing more may be sent
}

// SendData streams a WORK_DATA payload to the job's clients.
func (j *Job) SendData(data []byte) error {
	return j.send(&pb.WorkerMessage{Kind: &pb.WorkerMessage_Data{
		Data: &pb.WorkData{Handle: j.Handle, Data: data}}})
}

// SendWarning streams a WORK_WARNING payload to the job's clients.
func (j *Job) SendWarning(data []byte) error {
	return j.send(&pb.WorkerMessage{Kind: &pb.WorkerMessage_Warning{
		Warning: &pb.WorkData{Handle: j.Handle, Data: data}}})
}

// SendStatus reports progress: numerator of denominator done.
func (j *Job) SendStatus(numerator, denominator uint32) error {
	return j.send(&pb.WorkerMessage{Kind: &pb.WorkerMessage_Status{
		Status: &pb.WorkStatus{Handle: j.Handle, Numerator: numerator, Denominator: denominator}}})
}

func (j *Job) send(msg *pb.WorkerMessage) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.over {
		return ErrJobDone
	}
	return j.s.send(msg)
}

// finish reports the outcome unless the job was taken back meanwhile.
func (j *Job) finish(msg *pb.WorkerMessage) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.over {
		return
	}
	j.over = true
	if err := j.s.send(msg); err != nil {
		j.s.w.settings.logger.Warn("geargate: could not report job", "handle", j.Handle,
			"error", err)
	}
}

// takeBack marks the job as no longer ours and cancels its handler.
func (j *Job) takeBack(cause error) {
	j.mu.Lock()
	j.over = true
	j.mu.Unlock()
	j.cancel(cause)
}

// session is one Work stream.
type session struct {
	w      *Worker
	stream grpc.BidiStreamingClient[pb.WorkerMessage, pb.WorkerCommand]
	sendMu sync.Mutex

	mu      sync.Mutex
	jobs    map[string]*Job
	running sync.WaitGroup
}

func (s *session) send(msg *pb.WorkerMessage) error {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	return s.stream.Send(msg)
}

// session runs one stream until it breaks (returning why) or ctx ends (graceful stop).
// confirmed reports whether the server listed the worker during this stream.
func (w *Worker) session(ctx context.Context, conn *grpc.ClientConn, regs []*registration) (confirmed bool, err error) {
	streamCtx, cancelStream := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelStream()
	stream, err := pb.NewWorkerServiceClient(conn).Work(streamCtx)
	if err != nil {
		return false, err
	}
	s := &session{w: w, stream: stream, jobs: map[string]*Job{}}
	reg := &pb.Register{WorkerId: w.settings.workerID, Concurrency: uint32(w.settings.concurrency)}
	for _, r := range regs {
		reg.Functions = append(reg.Functions, &pb.CanDo{
			Function: r.function, TimeoutMs: uint32(r.timeout / time.Millisecond)})
	}
	if err := s.send(&pb.WorkerMessage{Kind: &pb.WorkerMessage_Register{Register: reg}}); err != nil {
		_, err = stream.Recv() // the real reason is in the stream's status
		return false, err
	}

	handlers := map[string]*registration{}
	for _, r := range regs {
		handlers[r.function] = r
	}
	recvErr := make(chan error, 1)
	go func() { recvErr <- s.receive(handlers) }()

	confirmedCh := make(chan struct{})
	confirmCtx, stopConfirm := context.WithCancel(streamCtx)
	defer stopConfirm()
	go func() {
		if w.confirm(confirmCtx, conn, regs) {
			close(confirmedCh)
			w.readyOnce.Do(func() { close(w.ready) })
			if w.settings.onConnect != nil {
				w.settings.onConnect()
			}
		}
	}()
	wasConfirmed := func() bool {
		select {
		case <-confirmedCh:
			return true
		default:
			return false
		}
	}

	select {
	case err := <-recvErr:
		// The stream broke: the server requeues what we held, so stop those handlers.
		s.takeBackAll(ErrConnectionLost)
		stopConfirm()
		s.running.Wait()
		if err == nil || errors.Is(err, io.EOF) {
			err = status.Error(codes.Unavailable, "the server closed the worker stream")
		}
		return wasConfirmed(), err
	case <-ctx.Done():
	}

	// Graceful stop: no new jobs, let running ones finish and report, then close.
	stopConfirm()
	_ = s.send(&pb.WorkerMessage{Kind: &pb.WorkerMessage_AddCredit{
		AddCredit: &pb.AddCredit{Delta: -int32(w.settings.concurrency)}}})
	drained := make(chan struct{})
	go func() { s.running.Wait(); close(drained) }()
	timer := time.NewTimer(w.settings.drainTimeout)
	defer timer.Stop()
	select {
	case <-drained:
	case <-recvErr:
		s.takeBackAll(ErrConnectionLost)
		<-drained
		return wasConfirmed(), nil
	case <-timer.C:
		s.takeBackAll(ErrWorkerStopped)
		<-drained
	}
	s.sendMu.Lock()
	_ = stream.CloseSend()
	s.sendMu.Unlock()
	// Let the server end the stream (it requeues anything assigned in the meantime).
	select {
	case <-recvErr:
	case <-time.After(2 * time.Second):
	}
	return wasConfirmed(), nil
}

// confirm polls AdminService.Workers until this worker, with all its functions, is listed.
func (w *Worker) confirm(ctx context.Context, conn *grpc.ClientConn, regs []*registration) bool {
	admin := pb.NewAdminServiceClient(conn)
	for {
		list, err := admin.Workers(ctx, &pb.WorkersQuery{})
		if err == nil {
			for _, info := range list.GetWorkers() {
				if info.GetWorkerId() != w.settings.workerID || info.GetTransport() != "grpc" {
					continue
				}
				all := true
				for _, r := range regs {
					if !slices.Contains(info.GetFunctions(), r.function) {
						all = false
					}
				}
				if all {
					return true
				}
			}
		} else if status.Code(err) == codes.Unimplemented {
			return true // no admin service: the stream being open is all we can know
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(w.settings.readyPollEvery):
		}
	}
}

func (s *session) takeBackAll(cause error) {
	s.mu.Lock()
	jobs := make([]*Job, 0, len(s.jobs))
	for _, j := range s.jobs {
		jobs = append(jobs, j)
	}
	s.mu.Unlock()
	for _, j := range jobs {
		j.takeBack(cause)
	}
}

// receive reads commands until the stream ends.
func (s *session) receive(handlers map[string]*registration) error {
	for {
		cmd, err := s.stream.Recv()
		if err != nil {
			return err
		}
		switch kind := cmd.GetKind().(type) {
		case *pb.WorkerCommand_Assign:
			s.start(kind.Assign, handlers)
		case *pb.WorkerCommand_Ping:
			err := s.send(&pb.WorkerMessage{Kind: &pb.WorkerMessage_Pong{
				Pong: &pb.Pong{Nonce: kind.Ping.GetNonce()}}})
			if err != nil {
				_, err = s.stream.Recv()
				return err
			}
		case *pb.WorkerCommand_Cancel:
			cause := ErrJobCancelled
			if kind.Cancel.GetReason() == "timeout" {
				cause = ErrJobTimeout
			}
			s.mu.Lock()
			job := s.jobs[kind.Cancel.GetHandle()]
			s.mu.Unlock()
			if job != nil {
				// The server has already released the job from this stream's credit; the
				// handler's own outcome is never sent.
				job.takeBack(cause)
			}
		case *pb.WorkerCommand_Rejected:
			r := kind.Rejected
			s.w.settings.logger.Info("geargate: report rejected", "handle", r.GetHandle(),
				"reason", r.GetReason(), "code", r.GetCode())
			if s.w.settings.onRejected != nil {
				s.w.settings.onRejected(r.GetHandle(), r.GetReason())
			}
		}
	}
}

func (s *session) start(a *pb.Assignment, handlers map[string]*registration) {
	ctx, cancel := context.WithCancelCause(context.Background())
	job := &Job{
		Handle:   a.GetHandle(),
		Function: a.GetFunction(),
		Unique:   a.GetUnique(),
		Reducer:  a.GetReducer(),
		Payload:  a.GetPayload(),
		Attempt:  a.GetAttempt(),
		s:        s,
		cancel:   cancel,
	}
	s.mu.Lock()
	s.jobs[job.Handle] = job
	s.mu.Unlock()
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		defer func() {
			s.mu.Lock()
			if s.jobs[job.Handle] == job {
				delete(s.jobs, job.Handle)
			}
			s.mu.Unlock()
			cancel(nil)
		}()
		reg := handlers[job.Function]
		if reg == nil { // the server assigned a function we never asked for
			job.finish(failMessage(job.Handle))
			return
		}
		job.finish(outcome(job.Handle, run(ctx, reg.handler, job)))
	}()
}

type handlerOutcome struct {
	result []byte
	err    error
}

func run(ctx context.Context, h Handler, job *Job) (out handlerOutcome) {
	defer func() {
		if p := recover(); p != nil {
			out = handlerOutcome{err: fmt.Errorf("%v", p)}
			job.s.w.settings.logger.Error("geargate: handler panicked", "function", job.Function,
				"panic", p, "stack", string(debug.Stack()))
		}
	}()
	result, err := h(ctx, job)
	return handlerOutcome{result: result, err: err}
}

func failMessage(handle string) *pb.WorkerMessage {
	return &pb.WorkerMessage{Kind: &pb.WorkerMessage_Fail{Fail: &pb.WorkFail{Handle: handle}}}
}

func outcome(handle string, o handlerOutcome) *pb.WorkerMessage {
	switch {
	case o.err == nil:
		return &pb.WorkerMessage{Kind: &pb.WorkerMessage_Complete{
			Complete: &pb.WorkData{Handle: handle, Data: o.result}}}
	case errors.Is(o.err, ErrFail):
		return failMessage(handle)
	default:
		return &pb.WorkerMessage{Kind: &pb.WorkerMessage_Exception{
			Exception: &pb.WorkData{Handle: handle, Data: []byte(o.err.Error())}}}
	}
}
