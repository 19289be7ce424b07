package main

// idle mode: C connections that sit on the server, as sleeping workers or as quiet clients.
// One goroutine per connection, blocked in Read, with a small read buffer.

import (
	"bytes"
	"net"
	"strconv"
	"sync/atomic"
)

const idleBufSize = 1024

type idleClient struct {
	id     int
	conn   net.Conn
	errors atomic.Int64
	echoed atomic.Int64
}

func (c *idleClient) fail(format string, args ...any) {
	c.errors.Add(1)
	complain("idle client %d: "+format, append([]any{c.id}, args...)...)
}

// run sends one ECHO_REQ, checks the ECHO_RES, then waits for the connection to end.
func (c *idleClient) run(ready *readyCounter, stopping *atomic.Bool, answered func()) {
	defer answered()
	msg := []byte("lg-idle-" + strconv.Itoa(c.id))
	if _, err := c.conn.Write(appendPacket(nil, pEchoReq, msg)); err != nil {
		c.fail("write: %v", err)
		return
	}
	pr := newPacketReader(c.conn, idleBufSize)
	for {
		typ, body, err := pr.next()
		switch {
		case err != nil:
			if !stopping.Load() {
				c.fail("read: %v", err)
			}
			return
		case typ == pEchoRes && bytes.Equal(body, msg) && c.echoed.Load() == 0:
			c.echoed.Add(1)
			answered()
			ready.one()
		default:
			c.fail("unexpected %s %q", typeName(typ), body)
		}
	}
}

func runIdle(o *opts) int {
	ready := &readyCounter{n: int64(o.idleConns), path: o.readyFile}
	var stopping *atomic.Bool
	var completed, errors func() int64
	if o.role == "worker" {
		g := newWorkerGroup(o.idleConns, o.fn, idleBufSize)
		g.idle, g.ready = true, ready
		g.start(o.addr)
		stopping, completed, errors = &g.stopping, g.completed, g.errors
	} else {
		stopping = new(atomic.Bool)
		clients := make([]*idleClient, o.idleConns)
		var lost atomic.Int64
		for i := range clients {
			clients[i] = &idleClient{id: i}
		}
		go dialAll(o.addr, o.idleConns, func(i int, conn net.Conn, err error, answered func()) {
			if err != nil {
				lost.Add(1)
				complain("idle client %d: dial: %v", i, err)
				return
			}
			clients[i].conn = conn
			go clients[i].run(ready, stopping, answered)
		})
		completed = func() int64 { return 0 }
		errors = func() int64 {
			return lost.Load() + sumCounters(clients, func(c *idleClient) *atomic.Int64 { return &c.errors })
		}
	}
	snap := func(r *result) {
		r.set("conns", o.idleConns)
		r.set("role", o.role)
		r.set("registered", ready.done.Load())
		r.set("completed", completed())
		r.set("errors", errors())
	}
	watchdog(o, snap)
	<-signals
	stopping.Store(true)
	r := newResult(o.mode)
	snap(r)
	return emit(r)
}
