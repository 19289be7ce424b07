package geargate

import (
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

var (
	// ErrJobFailed matches (errors.Is) the error of a job that ended with WORK_FAIL.
	ErrJobFailed = errors.New("geargate: job failed")
	// ErrJobException matches (errors.Is) the error of a job that ended with WORK_EXCEPTION.
	ErrJobException = errors.New("geargate: job raised an exception")

	// ErrFail, returned (or wrapped) by a Handler, fails the job (WORK_FAIL). Any other
	// error becomes WORK_EXCEPTION with the error's message as its data.
	ErrFail = errors.New("geargate: fail the job")

	// ErrJobCancelled is the context cause seen by a handler whose job was cancelled.
	ErrJobCancelled = errors.New("geargate: job cancelled")
	// ErrJobTimeout is the context cause seen by a handler whose job outlived its timeout.
	ErrJobTimeout = errors.New("geargate: job timed out")
	// ErrConnectionLost is the context cause seen by a handler whose worker stream broke.
	ErrConnectionLost = errors.New("geargate: worker connection lost")
	// ErrWorkerStopped is the context cause seen by a handler still running when a graceful
	// stop's drain timeout ran out.
	ErrWorkerStopped = errors.New("geargate: worker stopped")
	// ErrJobDone is returned by Job.SendData and friends once the job may no longer report.
	ErrJobDone = errors.New("geargate: job no longer held by this worker")
)

// JobError is the error of a job whose outcome was FAIL or EXCEPTION. errors.Is(err,
// ErrJobFailed) or errors.Is(err, ErrJobException) tells which.
type JobError struct {
	Handle  string
	Outcome Outcome
	// Data is the exception data (empty for a failure).
	Data []byte
}

func (e *JobError) Error() string {
	if e.Outcome == OutcomeException {
		return fmt.Sprintf("geargate: job %s raised an exception: %s", e.Handle, e.Data)
	}
	return fmt.Sprintf("geargate: job %s failed", e.Handle)
}

// Is makes errors.Is(err, ErrJobFailed / ErrJobException) work.
func (e *JobError) Is(target error) bool {
	switch target {
	case ErrJobFailed:
		return e.Outcome == OutcomeFail
	case ErrJobException:
		return e.Outcome == OutcomeException
	}
	return false
}

// Code returns the gRPC status code carried by err (codes.OK for nil, codes.Unknown for an
// error that carries none). RPC errors returned by this package wrap the gRPC status error,
// so status.Code and status.FromError work on them too.
func Code(err error) codes.Code {
	return status.Code(err)
}

func rpcError(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("geargate: %s: %w", op, err)
}
