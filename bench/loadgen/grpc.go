package main

// gRPC modes, on the raw generated stubs: grpc-call, grpc-pipeline, grpc-worker.

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	pb "github.com/geargate/geargate/clients/go/geargatepb"
)

func dialGRPC(addr string) (*grpc.ClientConn, error) {
	return grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(1<<30), grpc.MaxCallSendMsgSize(1<<30)))
}

// runGRPCTimed runs body on one gRPC connection per caller or stream.
func runGRPCTimed(o *opts, body func(id int, cc *grpc.ClientConn, c *loadCounters, ws, we int64)) int {
	ws, we := measuredWindow(o)
	counters := make([]*loadCounters, o.conns)
	for i := range counters {
		counters[i] = &loadCounters{name: "stream " + strconv.Itoa(i)}
	}
	return runTimed(o, ws, we, counters, dialGRPC, func(id int, cc *grpc.ClientConn) {
		body(id, cc, counters[id], ws, we)
	})
}

func runGRPCCall(o *opts) int {
	return runGRPCTimed(o, func(id int, cc *grpc.ClientConn, c *loadCounters, ws, we int64) {
		client := pb.NewJobServiceClient(cc)
		payload := newPayload(o.size)
		req := &pb.SubmitRequest{Function: o.fn, Payload: payload}
		for seq := uint64(1); mono() < we; seq++ {
			setStamp(payload, id, seq)
			c.submitted.Add(1)
			t0 := mono()
			res, err := client.Call(context.Background(), req)
			now := mono()
			switch {
			case err != nil:
				c.fail("Call: %v", err)
				return // the connection or the server is broken: this caller stops
			case res.Outcome != pb.Outcome_COMPLETE:
				c.fail("job %s: outcome %s", res.Handle, res.Outcome)
			case !bytes.Equal(res.Data, payload):
				c.fail("job %s: payload mismatch (%d bytes back, %d sent)", res.Handle, len(res.Data), len(payload))
			default:
				c.done(t0, now, ws, we)
			}
		}
	})
}

type pipeSlot struct {
	req *pb.SubmitRequest
	seq uint64
	t0  int64
}

const slotBits = 20 // request_id = seq << slotBits | slot

func runGRPCPipeline(o *opts) int {
	return runGRPCTimed(o, func(id int, cc *grpc.ClientConn, c *loadCounters, ws, we int64) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var stream pipeStream
		var err error
		if o.batch {
			stream, err = openBatchStream(ctx, cc)
		} else {
			stream, err = openSingleStream(ctx, cc)
		}
		if err != nil {
			c.fail("Pipeline: %v", err)
			return
		}
		slots := make([]pipeSlot, o.window)
		var seq uint64
		// One goroutine sends and receives: the server reads submissions independently of
		// the events it writes, so a blocked Send cannot deadlock. A slot's payload is
		// rewritten only after its job finished, long after Send marshalled it.
		queue := func(i int) {
			s := &slots[i]
			seq++
			s.seq = seq
			setStamp(s.req.Payload, id, seq)
			s.req.RequestId = seq<<slotBits | uint64(i)
			s.t0 = mono()
			c.submitted.Add(1)
			stream.queue(s.req)
		}
		for i := range slots {
			slots[i].req = &pb.SubmitRequest{Function: o.fn, Payload: newPayload(o.size)}
			queue(i)
		}
		if err := stream.flush(); err != nil {
			c.fail("Send: %v", err)
			return
		}
		open := len(slots)
		for open > 0 {
			events, err := stream.recv()
			if err != nil {
				c.fail("Recv: %v (%d submissions open)", err, open)
				return
			}
			for _, ev := range events {
				i := int(ev.RequestId & (1<<slotBits - 1))
				if i >= len(slots) || slots[i].seq != ev.RequestId>>slotBits || slots[i].seq == 0 {
					c.fail("event for unknown request_id %d", ev.RequestId)
					continue
				}
				s := &slots[i]
				switch e := ev.Event.(type) {
				case *pb.JobEvent_Created, *pb.JobEvent_Data, *pb.JobEvent_Warning, *pb.JobEvent_Status:
					continue
				case *pb.JobEvent_Complete:
					now := mono()
					if bytes.Equal(e.Complete, s.req.Payload) {
						c.done(s.t0, now, ws, we)
					} else {
						c.fail("job %s: payload mismatch (%d bytes back, %d sent)", ev.Handle, len(e.Complete), len(s.req.Payload))
					}
				case *pb.JobEvent_Fail:
					c.fail("job %s: fail", ev.Handle)
				case *pb.JobEvent_Exception:
					c.fail("job %s: exception %q", ev.Handle, e.Exception)
				case *pb.JobEvent_Error:
					c.fail("submission refused: %s %s", e.Error.Code, e.Error.Message)
				default:
					c.fail("empty event for request_id %d", ev.RequestId)
					continue
				}
				s.seq = 0 // finished
				open--
				if mono() < we {
					queue(i)
					open++
				}
			}
			if err := stream.flush(); err != nil {
				c.fail("Send: %v", err)
				return
			}
		}
		stream.close()
	})
}

// pipeStream is Pipeline or PipelineBatch: submissions are queued, then flushed once per batch
// of events received (Pipeline sends each as it is queued).
type pipeStream interface {
	queue(req *pb.SubmitRequest)
	flush() error
	recv() ([]*pb.JobEvent, error)
	close()
}

type singleStream struct {
	stream grpc.BidiStreamingClient[pb.SubmitRequest, pb.JobEvent]
	err    error
	ev     *pb.JobEvent
	events []*pb.JobEvent
}

func openSingleStream(ctx context.Context, cc *grpc.ClientConn) (pipeStream, error) {
	stream, err := pb.NewJobServiceClient(cc).Pipeline(ctx)
	ev := new(pb.JobEvent)
	return &singleStream{stream: stream, ev: ev, events: []*pb.JobEvent{ev}}, err
}

func (s *singleStream) queue(req *pb.SubmitRequest) {
	if s.err == nil {
		s.err = s.stream.Send(req)
	}
}

func (s *singleStream) flush() error { return s.err }

func (s *singleStream) recv() ([]*pb.JobEvent, error) {
	return s.events, s.stream.RecvMsg(s.ev)
}

func (s *singleStream) close() { s.stream.CloseSend() }

type batchStream struct {
	stream grpc.BidiStreamingClient[pb.SubmitBatch, pb.EventBatch]
	out    pb.SubmitBatch
	in     pb.EventBatch
}

func openBatchStream(ctx context.Context, cc *grpc.ClientConn) (pipeStream, error) {
	stream, err := pb.NewJobServiceClient(cc).PipelineBatch(ctx)
	return &batchStream{stream: stream}, err
}

func (s *batchStream) queue(req *pb.SubmitRequest) { s.out.Requests = append(s.out.Requests, req) }

func (s *batchStream) flush() error {
	if len(s.out.Requests) == 0 {
		return nil
	}
	err := s.stream.Send(&s.out)
	s.out.Requests = s.out.Requests[:0]
	return err
}

func (s *batchStream) recv() ([]*pb.JobEvent, error) {
	err := s.stream.RecvMsg(&s.in)
	return s.in.Events, err
}

func (s *batchStream) close() { s.stream.CloseSend() }

// ---------------------------------------------------------------- grpc-worker

type grpcWorker struct {
	id                int
	completed, errors atomic.Int64
}

func (w *grpcWorker) fail(format string, args ...any) {
	w.errors.Add(1)
	complain("grpc worker %d: "+format, append([]any{w.id}, args...)...)
}

func (w *grpcWorker) run(o *opts, cc *grpc.ClientConn, workerID string, stopping *atomic.Bool) {
	stream, err := pb.NewWorkerServiceClient(cc).Work(context.Background())
	if err == nil {
		err = stream.Send(&pb.WorkerMessage{Kind: &pb.WorkerMessage_Register{Register: &pb.Register{
			WorkerId:    workerID,
			Functions:   []*pb.CanDo{{Function: o.fn}},
			Concurrency: uint32(o.credit),
		}}})
	}
	if err != nil {
		w.fail("Work: %v", err)
		return
	}
	complete := &pb.WorkData{}
	reply := &pb.WorkerMessage{Kind: &pb.WorkerMessage_Complete{Complete: complete}}
	cmd := new(pb.WorkerCommand)
	for {
		if err := stream.RecvMsg(cmd); err != nil {
			if !stopping.Load() {
				w.fail("Recv: %v", err)
			}
			return
		}
		switch k := cmd.Kind.(type) {
		case *pb.WorkerCommand_Assign:
			n := w.completed.Add(1)
			complete.Handle, complete.Data = k.Assign.Handle, k.Assign.Payload
			if o.faultEvery > 0 && n%int64(o.faultEvery) == 0 && len(complete.Data) > 0 {
				complete.Data[0] ^= 1 // test only: damage the echo
			}
			err = stream.Send(reply)
		case *pb.WorkerCommand_Ping:
			err = stream.Send(&pb.WorkerMessage{Kind: &pb.WorkerMessage_Pong{Pong: &pb.Pong{Nonce: k.Ping.Nonce}}})
		case *pb.WorkerCommand_Cancel:
			complain("grpc worker %d: job %s taken back (%s)", w.id, k.Cancel.Handle, k.Cancel.Reason)
		case *pb.WorkerCommand_Rejected:
			w.fail("rejected %s: %s", k.Rejected.Handle, k.Rejected.Reason)
		default:
			w.fail("empty command")
		}
		if err != nil {
			if !stopping.Load() {
				w.fail("Send: %v", err)
			}
			return
		}
	}
}

// waitListed polls AdminService.Workers until the server lists n streams whose worker id
// starts with prefix, and reports whether it did within the limit.
func waitListed(cc *grpc.ClientConn, prefix string, n int, limit time.Duration) bool {
	admin := pb.NewAdminServiceClient(cc)
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		list, err := admin.Workers(ctx, &pb.WorkersQuery{})
		cancel()
		if err == nil {
			count := 0
			for _, w := range list.Workers {
				if strings.HasPrefix(w.WorkerId, prefix) && len(w.Functions) > 0 {
					count++
				}
			}
			if count >= n {
				return true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

func runGRPCWorker(o *opts) int {
	t0, cpu0 := mono(), sampleCPU(o)
	prefix := "lg" + strconv.Itoa(os.Getpid()) + "-"
	workers := make([]*grpcWorker, o.conns)
	var lost atomic.Int64
	var stopping atomic.Bool
	for i := range workers {
		workers[i] = &grpcWorker{id: i}
	}
	snap := func(r *result) {
		r.set("conns", o.conns)
		r.set("credit", o.credit)
		r.set("completed", sumCounters(workers, func(w *grpcWorker) *atomic.Int64 { return &w.completed }))
		r.set("errors", lost.Load()+sumCounters(workers, func(w *grpcWorker) *atomic.Int64 { return &w.errors }))
	}
	watchdog(o, snap)
	if o.faultEvery > 0 {
		logf("TEST ONLY: corrupting every %dth payload", o.faultEvery)
	}
	var first *grpc.ClientConn
	for i, w := range workers {
		cc, err := dialGRPC(o.addr)
		if err != nil {
			lost.Add(1)
			complain("grpc worker %d: dial: %v", i, err)
			continue
		}
		if first == nil {
			first = cc
		}
		go w.run(o, cc, prefix+strconv.Itoa(i), &stopping)
	}
	if o.readyFile != "" && first != nil {
		go func() {
			if waitListed(first, prefix, o.conns, 30*time.Second) {
				logf("all %d streams registered", o.conns)
				touch(o.readyFile)
			} else {
				complain("the server did not list all %d streams within 30s; ready file not touched", o.conns)
			}
		}()
	}
	return reportOnSignal(o, &stopping, t0, cpu0, snap)
}
