package main

// Raw TCP workers: worker mode, bg's drain phase, and idle mode's worker role.

import (
	"bytes"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

type tcpWorker struct {
	id        int
	group     *workerGroup
	conn      net.Conn
	pr        *packetReader
	wbuf      []byte
	ready     bool
	answered  func() // frees the dial slot once the server has answered (see dialAll)
	completed atomic.Int64
	errors    atomic.Int64
}

// workerGroup is a set of worker connections sharing one configuration.
type workerGroup struct {
	fn    []byte
	idle  bool // idle mode: PRE_SLEEP after each job, an ECHO_REQ confirms registration
	ready *readyCounter
	// check vets each assigned job (bg's drain); nil accepts every job.
	check      func(uniq, data []byte) (ok bool, why string)
	faultEvery int64
	bufSize    int

	workers  []*tcpWorker
	stopping atomic.Bool
	lost     atomic.Int64 // connections that could not be opened
}

func (w *tcpWorker) fail(format string, args ...any) {
	w.errors.Add(1)
	complain("worker %d: "+format, append([]any{w.id}, args...)...)
}

func (w *tcpWorker) registered() {
	if !w.ready {
		w.ready = true
		w.answered()
		if w.group.ready != nil {
			w.group.ready.one()
		}
	}
}

func (w *tcpWorker) run() {
	g := w.group
	defer func() {
		if !w.ready {
			w.answered()
		}
	}()
	w.wbuf = appendPacket(w.wbuf, pCanDo, g.fn)
	if g.idle {
		w.wbuf = appendPacket(w.wbuf, pPreSleep)
		w.wbuf = appendPacket(w.wbuf, pEchoReq, []byte("registered"))
	} else {
		w.wbuf = appendPacket(w.wbuf, pGrabJobUniq)
	}
	for {
		if len(w.wbuf) > 0 && !w.pr.more() {
			_, err := w.conn.Write(w.wbuf)
			w.wbuf = w.wbuf[:0]
			if err != nil {
				if !g.stopping.Load() {
					w.fail("write: %v", err)
				}
				return
			}
		}
		typ, body, err := w.pr.next()
		if err != nil {
			if !g.stopping.Load() {
				w.fail("read: %v", err)
			}
			return
		}
		switch typ {
		case pNoJob:
			w.registered()
			w.wbuf = appendPacket(w.wbuf, pPreSleep)
		case pNoop:
			w.wbuf = appendPacket(w.wbuf, pGrabJobUniq)
		case pJobAssignUniq:
			w.registered()
			handle, rest, _ := bytes.Cut(body, nul)
			_, rest, _ = bytes.Cut(rest, nul) // function
			uniq, data, ok := bytes.Cut(rest, nul)
			if !ok {
				w.fail("malformed JOB_ASSIGN_UNIQ %q", body)
				continue
			}
			if g.check != nil {
				if ok, why := g.check(uniq, data); !ok {
					w.fail("job %q (unique %q): %s", handle, uniq, why)
				}
			}
			n := w.completed.Add(1)
			w.wbuf = appendPacket(w.wbuf, pWorkComplete, handle, data)
			if g.faultEvery > 0 && n%g.faultEvery == 0 && len(data) > 0 {
				w.wbuf[len(w.wbuf)-1] ^= 1 // test only: damage the echo
			}
			if g.idle {
				w.wbuf = appendPacket(w.wbuf, pPreSleep)
			} else {
				w.wbuf = appendPacket(w.wbuf, pGrabJobUniq)
			}
		case pEchoRes:
			w.registered()
		case pError:
			w.fail("%s", errorText(body))
		default:
			w.fail("unexpected %s", typeName(typ))
		}
	}
}

func newWorkerGroup(n int, fn string, bufSize int) *workerGroup {
	g := &workerGroup{fn: []byte(fn), bufSize: bufSize, workers: make([]*tcpWorker, n)}
	for i := range g.workers {
		g.workers[i] = &tcpWorker{id: i, group: g}
	}
	return g
}

// start opens the connections in the background and runs a worker on each; the channel is
// closed once every connection has been dialled.
func (g *workerGroup) start(addr string) <-chan struct{} {
	dialed := make(chan struct{})
	go func() {
		defer close(dialed)
		g.dial(addr)
	}()
	return dialed
}

func (g *workerGroup) dial(addr string) {
	dialAll(addr, len(g.workers), func(i int, conn net.Conn, err error, answered func()) {
		if err != nil {
			g.lost.Add(1)
			complain("worker %d: dial: %v", i, err)
			return
		}
		w := g.workers[i]
		w.conn, w.answered = conn, answered
		w.pr = newPacketReader(conn, g.bufSize)
		go w.run()
	})
}

// stop closes every connection (after dialling ended); the errors this causes are not counted.
func (g *workerGroup) stop(dialed <-chan struct{}) {
	g.stopping.Store(true)
	<-dialed
	for _, w := range g.workers {
		if w.conn != nil {
			w.conn.Close()
		}
	}
}

func (g *workerGroup) completed() int64 {
	return sumCounters(g.workers, func(w *tcpWorker) *atomic.Int64 { return &w.completed })
}

func (g *workerGroup) errors() int64 {
	return g.lost.Load() + sumCounters(g.workers, func(w *tcpWorker) *atomic.Int64 { return &w.errors })
}

// dialAll opens n TCP connections and hands each to got. A connect completes as soon as
// the kernel queues it, before the server accepts it; servers listen with short backlogs
// (32 by default) and drop SYNs, costing a 1 s retransmit, when the queue is full. So at
// most 16 connections may be unanswered at once: got calls answered() once the server has
// replied on the connection (or the connection failed). Returns when all are dialled.
func dialAll(addr string, n int, got func(i int, conn net.Conn, err error, answered func())) {
	const unanswered = 16
	sem := make(chan struct{}, unanswered)
	for i := range n {
		sem <- struct{}{}
		var once sync.Once
		answered := func() { once.Do(func() { <-sem }) }
		conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			answered()
		}
		got(i, conn, err, answered)
	}
}

func runWorker(o *opts) int {
	t0, cpu0 := mono(), sampleCPU(o)
	g := newWorkerGroup(o.conns, o.fn, 64<<10)
	g.ready = &readyCounter{n: int64(o.conns), path: o.readyFile}
	g.faultEvery = int64(o.faultEvery)
	if o.faultEvery > 0 {
		logf("TEST ONLY: corrupting every %dth payload", o.faultEvery)
	}
	snap := func(r *result) {
		r.set("conns", o.conns)
		r.set("registered", g.ready.done.Load())
		r.set("completed", g.completed())
		r.set("errors", g.errors())
	}
	watchdog(o, snap)
	g.start(o.addr)
	return reportOnSignal(o, &g.stopping, t0, cpu0, snap)
}
