package geargate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/geargate/geargate/clients/go/geargatepb"
)

// Outcome is how a job ended.
type Outcome int

const (
	OutcomeUnspecified Outcome = iota
	OutcomeComplete
	OutcomeFail
	OutcomeException
)

func (o Outcome) String() string {
	switch o {
	case OutcomeComplete:
		return "complete"
	case OutcomeFail:
		return "fail"
	case OutcomeException:
		return "exception"
	}
	return "unspecified"
}

// Priority of a submitted job.
type Priority int

const (
	PriorityNormal Priority = iota
	PriorityLow
	PriorityHigh
)

// Result is what a foreground job produced.
type Result struct {
	Handle  string
	Outcome Outcome
	// Data is the result of a complete job or the exception data; empty for a failure.
	Data []byte
	// DataEvents and Warnings are the job's WORK_DATA and WORK_WARNING payloads, in order
	// (Call fills them only with WithEvents; JobStream.Wait always does).
	DataEvents [][]byte
	Warnings   [][]byte
	// Statuses are the job's status events (JobStream.Wait only).
	Statuses []Progress
}

// Progress is a status event: numerator of denominator done.
type Progress struct {
	Numerator, Denominator uint32
}

// JobStatus is the answer of Status and StatusByUnique.
type JobStatus struct {
	Handle string
	// Known: the job exists (queued, scheduled or running).
	Known bool
	// Running: a worker holds it.
	Running     bool
	Numerator   uint32
	Denominator uint32
	// WaitingClients is the number of foreground submissions waiting for its result.
	WaitingClients uint32
}

// A CallOption tunes one submission.
type CallOption func(*pb.SubmitRequest)

// WithUnique sets the coalescing key ("-": coalesce on the payload; at most 64 bytes).
func WithUnique(unique string) CallOption {
	return func(r *pb.SubmitRequest) { r.Unique = unique }
}

// WithPriority sets the job's priority (default normal).
func WithPriority(p Priority) CallOption {
	return func(r *pb.SubmitRequest) { r.Priority = pb.Priority(p) }
}

// WithRunAt makes the job runnable no sooner than t.
func WithRunAt(t time.Time) CallOption {
	return func(r *pb.SubmitRequest) { r.RunAt = timestamppb.New(t) }
}

// WithReducer sets the reducer name for map/reduce jobs.
func WithReducer(name string) CallOption {
	return func(r *pb.SubmitRequest) { r.Reducer = name }
}

// WithEvents makes Call also return the job's data and warning events.
func WithEvents() CallOption {
	return func(r *pb.SubmitRequest) { r.CollectEvents = true }
}

// Client submits jobs over gRPC. It is safe for concurrent use.
type Client struct {
	conn     grpc.ClientConnInterface
	closer   io.Closer
	jobs     pb.JobServiceClient
	settings *settings
}

// NewClient creates a client for the server at target ("host:port" or any gRPC target;
// empty means DefaultAddress). The connection is made lazily; Close releases it.
func NewClient(target string, opts ...Option) (*Client, error) {
	s := newSettings(opts)
	conn, err := s.dial(target)
	if err != nil {
		return nil, fmt.Errorf("geargate: connect %q: %w", target, err)
	}
	return &Client{conn: conn, closer: conn, jobs: pb.NewJobServiceClient(conn), settings: s}, nil
}

// NewClientFromConn creates a client on an existing gRPC connection, which Close leaves open.
// Only WithCallTimeout among the options has an effect.
func NewClientFromConn(conn grpc.ClientConnInterface, opts ...Option) *Client {
	return &Client{conn: conn, jobs: pb.NewJobServiceClient(conn), settings: newSettings(opts)}
}

// Close closes the connection (if NewClient made it).
func (c *Client) Close() error {
	if c.closer == nil {
		return nil
	}
	return c.closer.Close()
}

// Conn is the underlying gRPC connection, e.g. for the generated AdminService client.
func (c *Client) Conn() grpc.ClientConnInterface { return c.conn }

func (c *Client) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok || c.settings.callTimeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, c.settings.callTimeout)
}

func request(function string, payload []byte, opts []CallOption) *pb.SubmitRequest {
	r := &pb.SubmitRequest{Function: function, Payload: payload}
	for _, opt := range opts {
		opt(r)
	}
	return r
}

// Call runs a job in the foreground and waits for its outcome. A complete job returns its
// Result and a nil error. A failed job returns a *JobError matching ErrJobFailed, one that
// raised an exception a *JobError matching ErrJobException (with the exception data); the
// Result is returned alongside in both cases. RPC problems (deadline, invalid argument, full
// queue, ...) return a nil Result and an error keeping the gRPC status code (see Code).
// Cancelling ctx, or its deadline passing, detaches this client from the job.
func (c *Client) Call(ctx context.Context, function string, payload []byte, opts ...CallOption) (*Result, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	reply, err := c.jobs.Call(ctx, request(function, payload, opts))
	if err != nil {
		return nil, rpcError("call "+function, err)
	}
	res := &Result{
		Handle:     reply.GetHandle(),
		Outcome:    Outcome(reply.GetOutcome()),
		Data:       reply.GetData(),
		DataEvents: reply.GetDataEvents(),
		Warnings:   reply.GetWarnings(),
	}
	return res, res.err()
}

func (r *Result) err() error {
	switch r.Outcome {
	case OutcomeComplete:
		return nil
	case OutcomeFail, OutcomeException:
		return &JobError{Handle: r.Handle, Outcome: r.Outcome, Data: r.Data}
	}
	return fmt.Errorf("geargate: job %s ended without a known outcome", r.Handle)
}

// Submit queues a background job and returns its handle.
func (c *Client) Submit(ctx context.Context, function string, payload []byte, opts ...CallOption) (string, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	reply, err := c.jobs.Submit(ctx, request(function, payload, opts))
	if err != nil {
		return "", rpcError("submit "+function, err)
	}
	return reply.GetHandle(), nil
}

// Status reports the status of the job with this handle.
func (c *Client) Status(ctx context.Context, handle string) (*JobStatus, error) {
	return c.status(ctx, &pb.StatusRequest{Key: &pb.StatusRequest_Handle{Handle: handle}})
}

// StatusByUnique reports the status of the job with this unique id (any function).
func (c *Client) StatusByUnique(ctx context.Context, unique string) (*JobStatus, error) {
	return c.status(ctx, &pb.StatusRequest{Key: &pb.StatusRequest_Unique{Unique: unique}})
}

func (c *Client) status(ctx context.Context, req *pb.StatusRequest) (*JobStatus, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	s, err := c.jobs.GetStatus(ctx, req)
	if err != nil {
		return nil, rpcError("status", err)
	}
	return &JobStatus{
		Handle:         s.GetHandle(),
		Known:          s.GetKnown(),
		Running:        s.GetRunning(),
		Numerator:      s.GetNumerator(),
		Denominator:    s.GetDenominator(),
		WaitingClients: s.GetWaitingClients(),
	}, nil
}

// Cancel cancels a job like the admin command `cancel job`. It reports false when no job has
// that handle.
func (c *Client) Cancel(ctx context.Context, handle string) (bool, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	reply, err := c.jobs.Cancel(ctx, &pb.CancelRequest{Handle: handle})
	if err != nil {
		return false, rpcError("cancel", err)
	}
	return reply.GetCancelled(), nil
}

// EventKind says what a JobEvent carries.
type EventKind int

const (
	EventCreated EventKind = iota + 1
	EventData
	EventWarning
	EventStatus
	EventComplete
	EventFail
	EventException
	EventError
)

func (k EventKind) String() string {
	names := [...]string{"", "created", "data", "warning", "status", "complete", "fail",
		"exception", "error"}
	if int(k) < len(names) && k > 0 {
		return names[k]
	}
	return "unknown"
}

// Event is one event of a job run with Client.Run.
type Event struct {
	Kind   EventKind
	Handle string
	// Data: the payload of a data, warning, complete or exception event.
	Data []byte
	// Coalesced: for a created event, the submission joined an existing job.
	Coalesced bool
	// Progress: for a status event.
	Progress Progress
	// ErrorCode, ErrorMessage: for an error event (a refused submission).
	ErrorCode, ErrorMessage string
}

// Terminal tells whether the event ends the job (complete, fail, exception or error).
func (e *Event) Terminal() bool {
	return e.Kind >= EventComplete
}

func convertEvent(ev *pb.JobEvent) *Event {
	out := &Event{Handle: ev.GetHandle()}
	switch kind := ev.GetEvent().(type) {
	case *pb.JobEvent_Created:
		out.Kind, out.Coalesced = EventCreated, kind.Created.GetCoalesced()
	case *pb.JobEvent_Data:
		out.Kind, out.Data = EventData, kind.Data
	case *pb.JobEvent_Warning:
		out.Kind, out.Data = EventWarning, kind.Warning
	case *pb.JobEvent_Status:
		out.Kind = EventStatus
		out.Progress = Progress{kind.Status.GetNumerator(), kind.Status.GetDenominator()}
	case *pb.JobEvent_Complete:
		out.Kind, out.Data = EventComplete, kind.Complete
	case *pb.JobEvent_Fail:
		out.Kind = EventFail
	case *pb.JobEvent_Exception:
		out.Kind, out.Data = EventException, kind.Exception
	case *pb.JobEvent_Error:
		out.Kind = EventError
		out.ErrorCode, out.ErrorMessage = kind.Error.GetCode(), kind.Error.GetMessage()
	default:
		return nil
	}
	return out
}

// JobStream is a foreground job's event stream (Client.Run). Not safe for concurrent use.
type JobStream struct {
	stream grpc.ServerStreamingClient[pb.JobEvent]
	cancel context.CancelFunc
	done   bool
	handle string
}

// Run submits a job in the foreground and streams its events: created, then any data,
// warning and status events, then one terminal event. Read them with Recv, All or Wait;
// Close (or cancelling ctx) detaches this client from the job.
func (c *Client) Run(ctx context.Context, function string, payload []byte, opts ...CallOption) (*JobStream, error) {
	ctx, cancel := c.withTimeout(ctx)
	stream, err := c.jobs.Run(ctx, request(function, payload, opts))
	if err != nil {
		cancel()
		return nil, rpcError("run "+function, err)
	}
	return &JobStream{stream: stream, cancel: cancel}, nil
}

// Handle is the job's handle, known once the created event was received.
func (s *JobStream) Handle() string { return s.handle }

// Recv returns the next event; after the terminal event it returns io.EOF. An RPC failure
// (e.g. the deadline) returns an error keeping the gRPC status code.
func (s *JobStream) Recv() (*Event, error) {
	for {
		if s.done {
			return nil, io.EOF
		}
		msg, err := s.stream.Recv()
		if err != nil {
			s.done = true
			s.cancel()
			if errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("geargate: run: stream ended before the job did: %w",
					io.ErrUnexpectedEOF)
			}
			return nil, rpcError("run", err)
		}
		ev := convertEvent(msg)
		if ev == nil {
			continue // an event kind newer than this library
		}
		if ev.Handle != "" {
			s.handle = ev.Handle
		}
		if ev.Terminal() {
			s.done = true
			s.cancel()
		}
		return ev, nil
	}
}

// All iterates over the remaining events; a failure is yielded as the last pair.
func (s *JobStream) All() iter.Seq2[*Event, error] {
	return func(yield func(*Event, error) bool) {
		for {
			ev, err := s.Recv()
			if errors.Is(err, io.EOF) {
				return
			}
			if !yield(ev, err) || err != nil {
				return
			}
		}
	}
}

// Wait reads the remaining events and returns the job's Result with every data, warning and
// status event, and an error exactly as Call does.
func (s *JobStream) Wait() (*Result, error) {
	res := &Result{}
	for {
		ev, err := s.Recv()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("geargate: run: stream already consumed")
			}
			return nil, err
		}
		res.Handle = s.handle
		switch ev.Kind {
		case EventData:
			res.DataEvents = append(res.DataEvents, ev.Data)
		case EventWarning:
			res.Warnings = append(res.Warnings, ev.Data)
		case EventStatus:
			res.Statuses = append(res.Statuses, ev.Progress)
		case EventComplete:
			res.Outcome, res.Data = OutcomeComplete, ev.Data
			return res, nil
		case EventFail:
			res.Outcome = OutcomeFail
			return res, res.err()
		case EventException:
			res.Outcome, res.Data = OutcomeException, ev.Data
			return res, res.err()
		case EventError:
			return nil, fmt.Errorf("geargate: run: submission refused: %s %s",
				ev.ErrorCode, ev.ErrorMessage)
		}
	}
}

// Close stops reading and detaches this client from the job if it has not ended.
func (s *JobStream) Close() {
	s.done = true
	s.cancel()
}
