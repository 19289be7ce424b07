package main

// gRPC modes, on the raw generated stubs: grpc-call, grpc-pipeline, grpc-worker.

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
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

// loadCounters are one caller's or stream's numbers in the timed gRPC modes.
type loadCounters struct {
	submitted, completed, errors atomic.Int64
	hist                         histogram
	windowed                     int64
}

func (c *loadCounters) fail(id int, format string, args ...any) {
	c.errors.Add(1)
	complain("stream %d: "+format, append([]any{id}, args...)...)
}

// done records a verified completion of a job submitted at t0.
func (c *loadCounters) done(t0, now, ws, we int64) {
	c.completed.Add(1)
	if t0 >= ws && t0 < we {
		c.hist.record(now - t0)
	}
	if now >= ws && now < we {
		c.windowed++
	}
}

// runTimed runs one body per connection for warmup + d seconds, samples CPU over the
// measured window and reports.
func runTimed(o *opts, body func(id int, cc *grpc.ClientConn, c *loadCounters, ws, we int64)) int {
	ws := mono() + int64(o.warmup*1e9)
	we := ws + int64(o.dur*1e9)
	counters := make([]*loadCounters, o.conns)
	for i := range counters {
		counters[i] = new(loadCounters)
	}
	snap := func(r *result) {
		r.set("conns", o.conns)
		r.set("submitted", sumCounters(counters, func(c *loadCounters) *atomic.Int64 { return &c.submitted }))
		r.set("completed", sumCounters(counters, func(c *loadCounters) *atomic.Int64 { return &c.completed }))
		r.set("errors", sumCounters(counters, func(c *loadCounters) *atomic.Int64 { return &c.errors }))
	}
	watchdog(o, snap)
	var wg sync.WaitGroup
	for i, c := range counters {
		cc, err := dialGRPC(o.addr)
		if err != nil {
			c.fail(i, "dial: %v", err)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer cc.Close()
			body(i, cc, c, ws, we)
		}()
	}
	time.Sleep(time.Duration(ws - mono()))
	cpu0 := sampleCPU(o)
	time.Sleep(time.Duration(we - mono()))
	cpu1 := sampleCPU(o)
	wg.Wait()

	r := newResult(o.mode)
	r.set("conns", o.conns)
	if o.window > 0 {
		r.set("window", o.window)
	}
	r.set("size", o.size)
	var hist histogram
	var jobs int64
	for _, c := range counters {
		hist.merge(&c.hist)
		jobs += c.windowed
	}
	r.set("jobs", jobs)
	snap(r)
	r.set("seconds", o.dur)
	r.set("jobs_per_s", float64(jobs)/o.dur)
	hist.setLatency(r)
	setCPU(r, cpu0, cpu1, "cpu_s", "server_cpu_s")
	return emit(r)
}

func runGRPCCall(o *opts) int {
	return runTimed(o, func(id int, cc *grpc.ClientConn, c *loadCounters, ws, we int64) {
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
				c.fail(id, "Call: %v", err)
				return // the connection or the server is broken: this caller stops
			case res.Outcome != pb.Outcome_COMPLETE:
				c.fail(id, "job %s: outcome %s", res.Handle, res.Outcome)
			case !bytes.Equal(res.Data, payload):
				c.fail(id, "job %s: payload mismatch (%d bytes back, %d sent)", res.Handle, len(res.Data), len(payload))
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
	return runTimed(o, func(id int, cc *grpc.ClientConn, c *loadCounters, ws, we int64) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		stream, err := pb.NewJobServiceClient(cc).Pipeline(ctx)
		if err != nil {
			c.fail(id, "Pipeline: %v", err)
			return
		}
		slots := make([]pipeSlot, o.window)
		var seq uint64
		// One goroutine sends and receives: the server reads submissions independently of
		// the events it writes, so a blocked Send cannot deadlock. A slot's payload is
		// rewritten only after its job finished, long after Send marshalled it.
		send := func(i int) bool {
			s := &slots[i]
			seq++
			s.seq = seq
			setStamp(s.req.Payload, id, seq)
			s.req.RequestId = seq<<slotBits | uint64(i)
			s.t0 = mono()
			c.submitted.Add(1)
			if err := stream.Send(s.req); err != nil {
				c.fail(id, "Send: %v", err)
				return false
			}
			return true
		}
		for i := range slots {
			slots[i].req = &pb.SubmitRequest{Function: o.fn, Payload: newPayload(o.size)}
			if !send(i) {
				return
			}
		}
		open := len(slots)
		ev := new(pb.JobEvent)
		for open > 0 {
			if err := stream.RecvMsg(ev); err != nil {
				c.fail(id, "Recv: %v (%d submissions open)", err, open)
				return
			}
			i := int(ev.RequestId & (1<<slotBits - 1))
			if i >= len(slots) || slots[i].seq != ev.RequestId>>slotBits || slots[i].seq == 0 {
				c.fail(id, "event for unknown request_id %d", ev.RequestId)
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
					c.fail(id, "job %s: payload mismatch (%d bytes back, %d sent)", ev.Handle, len(e.Complete), len(s.req.Payload))
				}
			case *pb.JobEvent_Fail:
				c.fail(id, "job %s: fail", ev.Handle)
			case *pb.JobEvent_Exception:
				c.fail(id, "job %s: exception %q", ev.Handle, e.Exception)
			case *pb.JobEvent_Error:
				c.fail(id, "submission refused: %s %s", e.Error.Code, e.Error.Message)
			default:
				c.fail(id, "empty event for request_id %d", ev.RequestId)
				continue
			}
			s.seq = 0 // finished
			open--
			if mono() < we {
				if !send(i) {
					return
				}
				open++
			}
		}
		stream.CloseSend()
	})
}

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
	<-signals
	stopping.Store(true)
	t1, cpu1 := mono(), sampleCPU(o)
	r := newResult(o.mode)
	snap(r)
	r.set("seconds", float64(t1-t0)/1e9)
	setCPU(r, cpu0, cpu1, "cpu_s", "server_cpu_s")
	return emit(r)
}
