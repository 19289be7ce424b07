package main

// client mode: M raw TCP connections, each keeping W foreground SUBMIT_JOBs outstanding.

import (
	"bytes"
	"net"
	"strconv"
)

type clientSlot struct {
	payload []byte
	handle  []byte
	t0      int64 // when the submit was written (mono ns)
}

type clientConn struct {
	id       int
	fn       []byte
	conn     net.Conn
	pr       *packetReader
	wbuf     []byte
	slots    []clientSlot
	created  ring             // slots waiting for JOB_CREATED, in submit order
	byHandle map[uint64]int32 // running slots by fnv64(handle)
	batch    []int32          // slots in wbuf: stamped with the write time
	seq      uint64
	open     int   // submissions not yet finished
	ws, we   int64 // measured window (mono ns)
	loadCounters
}

// ring is a FIFO of slot numbers with room for every slot.
type ring struct {
	buf     []int32
	head, n int
}

func (q *ring) push(v int32) {
	q.buf[(q.head+q.n)%len(q.buf)] = v
	q.n++
}

func (q *ring) pop() (int32, bool) {
	if q.n == 0 {
		return 0, false
	}
	v := q.buf[q.head]
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	return v, true
}

func (c *clientConn) submit(i int32) {
	s := &c.slots[i]
	c.seq++
	setStamp(s.payload, c.id, c.seq)
	c.wbuf = appendHeader(c.wbuf, pSubmitJob, len(c.fn)+2+len(s.payload))
	c.wbuf = append(append(c.wbuf, c.fn...), 0, 0) // empty unique: never coalesced
	c.wbuf = append(c.wbuf, s.payload...)
	c.created.push(i)
	c.batch = append(c.batch, i)
	c.open++
	c.submitted.Add(1)
}

func (c *clientConn) flush() error {
	now := mono()
	for _, i := range c.batch {
		c.slots[i].t0 = now
	}
	c.batch = c.batch[:0]
	_, err := c.conn.Write(c.wbuf)
	c.wbuf = c.wbuf[:0]
	return err
}

// finish ends slot i's submission; it is submitted again while the window is open.
func (c *clientConn) finish(i int32, now int64) {
	c.open--
	if now < c.we {
		c.submit(i)
	}
}

// take removes and returns the running slot whose job has this handle.
func (c *clientConn) take(handle []byte) (int32, bool) {
	h := fnv64(handle)
	i, ok := c.byHandle[h]
	if !ok || !bytes.Equal(c.slots[i].handle, handle) {
		return 0, false
	}
	delete(c.byHandle, h)
	return i, true
}

func (c *clientConn) run(window int) {
	for i := range window {
		c.submit(int32(i))
	}
	for c.open > 0 {
		if len(c.wbuf) > 0 && !c.pr.more() {
			if err := c.flush(); err != nil {
				c.fail("write: %v", err)
				return
			}
		}
		typ, body, err := c.pr.next()
		if err != nil {
			c.fail("read: %v (%d submissions open)", err, c.open)
			return
		}
		switch typ {
		case pJobCreated:
			i, ok := c.created.pop()
			if !ok {
				c.fail("JOB_CREATED %q with no submission waiting", body)
				continue
			}
			h := fnv64(body)
			if _, dup := c.byHandle[h]; dup {
				c.fail("handle %q is already running here (or a hash collision)", body)
				c.finish(i, mono())
				continue
			}
			c.byHandle[h] = i
			c.slots[i].handle = append(c.slots[i].handle[:0], body...)
		case pWorkComplete:
			handle, data, _ := bytes.Cut(body, nul)
			i, ok := c.take(handle)
			if !ok {
				c.fail("WORK_COMPLETE for unknown handle %q", handle)
				continue
			}
			now := mono()
			s := &c.slots[i]
			if !bytes.Equal(data, s.payload) {
				c.fail("WORK_COMPLETE %q: payload mismatch (%d bytes back, %d sent)", handle, len(data), len(s.payload))
			} else {
				c.done(s.t0, now, c.ws, c.we)
			}
			c.finish(i, now)
		case pWorkFail, pWorkException:
			handle, _, _ := bytes.Cut(body, nul)
			i, ok := c.take(handle)
			c.fail("%s for %q", typeName(typ), handle)
			if ok {
				c.finish(i, mono())
			}
		case pError:
			// An ERROR answers the oldest submission, in place of its JOB_CREATED.
			c.fail("%s", errorText(body))
			if i, ok := c.created.pop(); ok {
				c.finish(i, mono())
			}
		case pWorkData, pWorkWarning, pWorkStatus:
		default:
			c.fail("unexpected %s", typeName(typ))
		}
	}
}

func runClient(o *opts) int {
	ws, we := measuredWindow(o)
	fn := []byte(o.fn)
	conns := make([]*clientConn, o.conns)
	counters := make([]*loadCounters, o.conns)
	for id := range conns {
		c := &clientConn{id: id, fn: fn, ws: ws, we: we, byHandle: make(map[uint64]int32, o.window)}
		c.name = "conn " + strconv.Itoa(id)
		c.slots = make([]clientSlot, o.window)
		for i := range c.slots {
			c.slots[i].payload = newPayload(o.size)
		}
		c.created.buf = make([]int32, o.window)
		conns[id], counters[id] = c, &c.loadCounters
	}
	return runTimed(o, ws, we, counters, dialTCP, func(id int, conn net.Conn) {
		c := conns[id]
		c.conn, c.pr = conn, newPacketReader(conn, max(64<<10, o.size+1024))
		c.run(o.window)
	})
}
