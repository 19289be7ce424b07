package main

// bg mode: submit K background jobs over M connections, then (optionally) drain them with N
// in-process workers that verify every payload.

import (
	"bytes"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"time"
)

type bgConn struct {
	id, quota  int
	sent       int
	acked      int
	fn, uniq   []byte // uniq holds the prefix "lg<pid>-<conn>-"
	prefixLen  int
	size       int
	pattern    []byte
	conn       net.Conn
	pr         *packetReader
	wbuf       []byte
	submitted  atomic.Int64
	created    atomic.Int64
	errors     atomic.Int64
	seenJobs   []atomic.Uint64 // drain: bit seq-1 is set once job seq has been delivered
	windowSize int
	noUnique   bool // submit with an empty unique (c.uniq stays empty)
}

func (c *bgConn) fail(format string, args ...any) {
	c.errors.Add(1)
	complain("conn %d: "+format, append([]any{c.id}, args...)...)
}

func (c *bgConn) submit() {
	c.sent++
	seq := uint64(c.sent)
	if !c.noUnique {
		c.uniq = strconv.AppendUint(c.uniq[:c.prefixLen], seq, 10)
	}
	c.wbuf = appendHeader(c.wbuf, pSubmitJobBG, len(c.fn)+1+len(c.uniq)+1+c.size)
	c.wbuf = append(append(c.wbuf, c.fn...), 0)
	c.wbuf = append(append(c.wbuf, c.uniq...), 0)
	start := len(c.wbuf)
	c.wbuf = append(c.wbuf, c.pattern[:c.size]...)
	setStamp(c.wbuf[start:], c.id, seq)
	c.submitted.Add(1)
}

func (c *bgConn) run() {
	for c.sent < min(c.windowSize, c.quota) {
		c.submit()
	}
	for c.acked < c.quota {
		if len(c.wbuf) > 0 && !c.pr.more() {
			_, err := c.conn.Write(c.wbuf)
			c.wbuf = c.wbuf[:0]
			if err != nil {
				c.fail("write: %v", err)
				return
			}
		}
		typ, body, err := c.pr.next()
		if err != nil {
			c.fail("read: %v (%d submissions unanswered)", err, c.sent-c.acked)
			return
		}
		switch typ {
		case pJobCreated:
			c.created.Add(1)
		case pError:
			c.fail("%s", errorText(body))
		default:
			c.fail("unexpected %s", typeName(typ))
			continue
		}
		c.acked++
		if c.sent < c.quota {
			c.submit()
		}
	}
}

// parseUniq reads conn and seq from a unique "lg<pid>-<conn>-<seq>" given the "lg<pid>-" prefix.
func parseUniq(uniq, prefix []byte) (conn int, seq uint64, ok bool) {
	rest, found := bytes.CutPrefix(uniq, prefix)
	if !found {
		return 0, 0, false
	}
	a, b, found := bytes.Cut(rest, []byte{'-'})
	if !found {
		return 0, 0, false
	}
	c, err1 := strconv.ParseUint(string(a), 10, 16)
	s, err2 := strconv.ParseUint(string(b), 10, 48)
	return int(c), s, err1 == nil && err2 == nil
}

func runBG(o *opts) int {
	prefix := []byte("lg" + strconv.Itoa(os.Getpid()) + "-")
	k, m := o.jobs, o.conns
	if m > 1<<16 {
		m = 1 << 16
	}
	pattern := newPayload(o.size)
	conns := make([]*bgConn, m)
	for i := range conns {
		quota := k / m
		if i < k%m {
			quota++
		}
		u := strconv.AppendInt(append([]byte(nil), prefix...), int64(i), 10)
		u = append(u, '-')
		if o.noUnique {
			u = nil
		}
		conns[i] = &bgConn{
			id: i, quota: quota, fn: []byte(o.fn), uniq: u, prefixLen: len(u), size: o.size,
			pattern: pattern, windowSize: o.window, seenJobs: make([]atomic.Uint64, (quota+63)/64),
			noUnique: o.noUnique,
		}
	}
	var drained atomic.Int64
	drainDone := make(chan struct{})
	var otherErrors atomic.Int64 // status mismatches
	group := newWorkerGroup(o.drain, o.fn, max(64<<10, o.size+1024))
	snap := func(r *result) {
		r.set("conns", m)
		r.set("submitted", sumCounters(conns, func(c *bgConn) *atomic.Int64 { return &c.submitted }))
		r.set("created", sumCounters(conns, func(c *bgConn) *atomic.Int64 { return &c.created }))
		if o.drain > 0 {
			r.set("completed", drained.Load())
		} else {
			r.set("completed", r.get("created"))
		}
		r.set("errors", otherErrors.Load()+group.errors()+
			sumCounters(conns, func(c *bgConn) *atomic.Int64 { return &c.errors }))
	}
	watchdog(o, snap)

	// Phase 1: submit.
	cpu0, t0 := sampleCPU(o), mono()
	submit := func(i int, conn net.Conn) {
		c := conns[i]
		c.conn, c.pr = conn, newPacketReader(conn, 16<<10)
		c.run()
	}
	startEach(o.addr, m, dialTCP, func(i int, err error) { conns[i].fail("dial: %v", err) }, submit).Wait()
	t1, cpu1 := mono(), sampleCPU(o)
	checkQueue(o, "after submitting", k, &otherErrors, 0)

	// Phase 2: drain.
	var t2, t3 int64
	var cpu2, cpu3 cpuSample
	if o.drain > 0 {
		group.check = func(uniq, data []byte) (bool, string) {
			ci, seq, ok := parseUniq(uniq, prefix)
			if !ok || ci >= m || seq < 1 || seq > uint64(conns[ci].quota) {
				return false, "not a job this run submitted"
			}
			if len(data) != o.size {
				return false, "payload length " + strconv.Itoa(len(data))
			}
			var stamp [stampLen]byte
			n := min(o.size, stampLen)
			setStamp(stamp[:n], ci, seq)
			if !bytes.Equal(data[:n], stamp[:n]) || !bytes.Equal(data[n:], pattern[n:]) {
				return false, "payload does not match its unique"
			}
			bit := uint64(1) << ((seq - 1) % 64)
			if conns[ci].seenJobs[(seq-1)/64].Or(bit)&bit != 0 {
				return false, "delivered twice"
			}
			if drained.Add(1) == int64(k) {
				close(drainDone)
			}
			return true, ""
		}
		cpu2, t2 = sampleCPU(o), mono()
		if k == 0 {
			close(drainDone)
		}
		dialed := group.start(o.addr)
		select {
		case <-drainDone:
		case <-dialed:
			if group.lost.Load() < int64(o.drain) {
				<-drainDone // bounded by the watchdog
			}
		}
		t3, cpu3 = mono(), sampleCPU(o)
		// The check counts a job as it is assigned, before its WORK_COMPLETE is written:
		// keep the workers connected until the server has seen the last one, or closing
		// them would requeue it.
		checkQueue(o, "after draining", 0, &otherErrors, 2*time.Second)
		group.stop(dialed)
	}

	r := newResult(o.mode)
	r.set("conns", m)
	r.set("window", o.window)
	r.set("size", o.size)
	r.set("drain_workers", o.drain)
	snap(r)
	r.set("jobs", r.get("completed"))
	submitS, drainS := float64(t1-t0)/1e9, float64(t3-t2)/1e9
	r.set("seconds", submitS+drainS)
	r.set("jobs_per_s", float64(r.get("completed").(int64))/(submitS+drainS))
	r.set("cpu_s", cpu1.self-cpu0.self+cpu3.self-cpu2.self)
	setCPU(r, cpu0, cpu1, "", "server_cpu_submit_s")
	if o.drain > 0 {
		setCPU(r, cpu2, cpu3, "", "server_cpu_drain_s")
		if v, ok := r.get("server_cpu_submit_s").(float64); ok {
			if w, ok := r.get("server_cpu_drain_s").(float64); ok {
				r.set("server_cpu_s", v+w)
			}
		}
	} else {
		setCPU(r, cpu0, cpu1, "", "server_cpu_s")
	}
	r.set("submit_seconds", submitS)
	r.set("submit_jobs_per_s", float64(r.get("created").(int64))/submitS)
	if o.drain > 0 {
		r.set("drain_seconds", drainS)
		r.set("drain_jobs_per_s", float64(drained.Load())/drainS)
	}
	return emit(r)
}

// checkQueue compares the admin `status` total of the function with want (retrying for up to
// patience, as the last WORK_COMPLETE may still be on its way); a server that does not answer
// `status` is not checked.
func checkQueue(o *opts, when string, want int, errs *atomic.Int64, patience time.Duration) {
	deadline := time.Now().Add(patience)
	for {
		total, ok, err := adminStatus(o.addr, o.fn)
		switch {
		case !ok:
			logf("status %s: not checked (%v)", when, err)
			return
		case total == want:
			return
		case time.Now().Before(deadline):
			time.Sleep(50 * time.Millisecond)
			continue
		}
		errs.Add(1)
		complain("status %s: %d jobs of %q, want %d", when, total, o.fn, want)
		return
	}
}
