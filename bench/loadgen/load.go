package main

// What the timed load modes (client, grpc-call, grpc-pipeline) share: the counters, the
// measured window, and the run from the first dial to the report.

import (
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// loadCounters are one connection's, caller's or stream's numbers in a timed mode.
type loadCounters struct {
	name                         string // prefixes its complaints: "conn 3", "stream 3"
	submitted, completed, errors atomic.Int64
	hist                         histogram
	windowed                     int64
}

func (c *loadCounters) fail(format string, args ...any) {
	c.errors.Add(1)
	complain(c.name+": "+format, args...)
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

// measuredWindow returns the window [ws, we) in mono ns: it opens once the warmup is over.
func measuredWindow(o *opts) (ws, we int64) {
	ws = mono() + int64(o.warmup*1e9)
	return ws, ws + int64(o.dur*1e9)
}

// runTimed dials one connection per counter and runs body on each until it returns (the
// bodies stop submitting at we), samples CPU over the measured window and reports.
func runTimed[C io.Closer](o *opts, ws, we int64, counters []*loadCounters,
	dial func(addr string) (C, error), body func(i int, conn C)) int {
	snap := func(r *result) {
		r.set("conns", o.conns)
		r.set("submitted", sumCounters(counters, func(c *loadCounters) *atomic.Int64 { return &c.submitted }))
		r.set("completed", sumCounters(counters, func(c *loadCounters) *atomic.Int64 { return &c.completed }))
		r.set("errors", sumCounters(counters, func(c *loadCounters) *atomic.Int64 { return &c.errors }))
	}
	watchdog(o, snap)
	wg := startEach(o.addr, len(counters), dial, func(i int, err error) { counters[i].fail("dial: %v", err) }, body)
	time.Sleep(time.Duration(ws - mono()))
	cpu0 := sampleCPU(o)
	time.Sleep(time.Duration(we - mono()))
	cpu1 := sampleCPU(o)
	wg.Wait()

	r := newResult(o.mode)
	r.set("conns", o.conns)
	if o.window > 0 { // grpc-call has no window
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

// startEach dials n connections one after another and runs body on each in a goroutine of
// its own, closing the connection when body returns. A connection that cannot be dialled is
// handed to failed and left out. The WaitGroup is done once every body has returned.
func startEach[C io.Closer](addr string, n int, dial func(addr string) (C, error),
	failed func(i int, err error), body func(i int, conn C)) *sync.WaitGroup {
	var wg sync.WaitGroup
	for i := range n {
		conn, err := dial(addr)
		if err != nil {
			failed(i, err)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer conn.Close()
			body(i, conn)
		}()
	}
	return &wg
}
