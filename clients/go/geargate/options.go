package geargate

import (
	"crypto/tls"
	"log/slog"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// DefaultAddress is the server address used when NewClient or NewWorker get an empty one.
const DefaultAddress = "localhost:50051"

// defaultMaxMessage matches geargate's default --max-packet-size (64 MiB) plus room for the
// message's other fields, so results as large as the server accepts can be received.
const defaultMaxMessage = 64<<20 + 64<<10

// An Option configures a Client or a Worker. Connection options apply to both; options that
// only make sense for workers (WithConcurrency, WithWorkerID, ...) are ignored by NewClient.
type Option func(*settings)

type settings struct {
	creds          credentials.TransportCredentials
	dialOptions    []grpc.DialOption
	maxMessage     int
	callTimeout    time.Duration
	logger         *slog.Logger
	workerID       string
	concurrency    int
	backoffMin     time.Duration
	backoffMax     time.Duration
	drainTimeout   time.Duration
	onConnect      func()
	onDisconnect   func(error)
	onRejected     func(handle, reason string)
	readyPollEvery time.Duration
}

func newSettings(opts []Option) *settings {
	s := &settings{
		creds:          insecure.NewCredentials(),
		maxMessage:     defaultMaxMessage,
		logger:         slog.New(slog.DiscardHandler),
		concurrency:    1,
		backoffMin:     100 * time.Millisecond,
		backoffMax:     5 * time.Second,
		drainTimeout:   30 * time.Second,
		readyPollEvery: 20 * time.Millisecond,
	}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

func (s *settings) dial(target string) (*grpc.ClientConn, error) {
	if target == "" {
		target = DefaultAddress
	}
	options := []grpc.DialOption{
		grpc.WithTransportCredentials(s.creds),
		grpc.WithDefaultCallOptions(
			grpc.MaxCallRecvMsgSize(s.maxMessage),
			grpc.MaxCallSendMsgSize(s.maxMessage),
		),
	}
	options = append(options, s.dialOptions...)
	return grpc.NewClient(target, options...)
}

// WithTLS connects over TLS with the given configuration (nil: the system's roots and
// defaults). The default is plaintext.
func WithTLS(config *tls.Config) Option {
	return func(s *settings) { s.creds = credentials.NewTLS(config) }
}

// WithTransportCredentials connects with any gRPC transport credentials (TLS, ALTS, ...).
func WithTransportCredentials(creds credentials.TransportCredentials) Option {
	return func(s *settings) { s.creds = creds }
}

// WithDialOptions passes extra grpc.DialOptions (interceptors, per-RPC credentials, keepalive,
// ...) to the connection. They are applied after the library's own and so take precedence.
func WithDialOptions(options ...grpc.DialOption) Option {
	return func(s *settings) { s.dialOptions = append(s.dialOptions, options...) }
}

// WithMaxMessageSize sets the largest gRPC message sent or received (default 64 MiB + 64 KiB,
// which fits geargate's default --max-packet-size).
func WithMaxMessageSize(bytes int) Option {
	return func(s *settings) { s.maxMessage = bytes }
}

// WithCallTimeout gives every client RPC whose context has no deadline this timeout.
// Zero (the default) means no timeout beyond the context's.
func WithCallTimeout(d time.Duration) Option {
	return func(s *settings) { s.callTimeout = d }
}

// WithLogger sets where the library logs (connection losses, rejected reports). The default
// discards everything.
func WithLogger(logger *slog.Logger) Option {
	return func(s *settings) {
		if logger != nil {
			s.logger = logger
		}
	}
}

// WithWorkerID names the worker in the server's `workers` listing (default: host-pid-random).
func WithWorkerID(id string) Option {
	return func(s *settings) { s.workerID = id }
}

// WithConcurrency sets how many jobs the worker runs at once (its credit; default 1).
func WithConcurrency(n int) Option {
	return func(s *settings) {
		if n > 0 {
			s.concurrency = n
		}
	}
}

// WithBackoff sets the reconnect delay range: the first retry waits about min, each further
// one twice as long, up to max (with jitter). Defaults 100 ms and 5 s.
func WithBackoff(min, max time.Duration) Option {
	return func(s *settings) {
		if min > 0 {
			s.backoffMin = min
		}
		if max >= s.backoffMin {
			s.backoffMax = max
		}
	}
}

// WithDrainTimeout bounds how long a graceful stop waits for running handlers (default 30 s).
// Handlers still running then are cancelled (cause ErrWorkerStopped) and their jobs are
// requeued by the server when the stream closes.
func WithDrainTimeout(d time.Duration) Option {
	return func(s *settings) { s.drainTimeout = d }
}

// WithOnConnect is called each time the worker's registration is confirmed by the server.
func WithOnConnect(f func()) Option {
	return func(s *settings) { s.onConnect = f }
}

// WithOnDisconnect is called each time a worker stream ends other than by a graceful stop,
// with the error that ended it; the worker then reconnects after a backoff.
func WithOnDisconnect(f func(error)) Option {
	return func(s *settings) { s.onDisconnect = f }
}

// WithOnRejected is called when the server rejects a report about a job the stream no longer
// holds (for example a result sent after the job's timeout).
func WithOnRejected(f func(handle, reason string)) Option {
	return func(s *settings) { s.onRejected = f }
}
