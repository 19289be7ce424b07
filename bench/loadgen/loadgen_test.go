package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"testing"
)

// res turns a request packet into the response packet a server would send.
func res(b []byte) []byte {
	b = slices.Clone(b)
	copy(b, "\x00RES")
	return b
}

func TestAppendPacket(t *testing.T) {
	got := appendPacket(nil, pSubmitJob, []byte("echo"), nil, []byte("a\x00b"))
	want := []byte("\x00REQ\x00\x00\x00\x07\x00\x00\x00\x09echo\x00\x00a\x00b")
	if !bytes.Equal(got, want) {
		t.Fatalf("SUBMIT_JOB: got %q, want %q", got, want)
	}
	if got := appendPacket(nil, pGrabJobUniq); !bytes.Equal(got, []byte("\x00REQ\x00\x00\x00\x1e\x00\x00\x00\x00")) {
		t.Fatalf("GRAB_JOB_UNIQ: got %q", got)
	}
	if got := appendPacket(nil, pEchoReq, nil); binary.BigEndian.Uint32(got[8:]) != 0 || len(got) != headerLen {
		t.Fatalf("empty ECHO_REQ: got %q", got)
	}
}

func TestPacketReader(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 5000) // larger than the reader's buffer
	var stream []byte
	stream = append(stream, res(appendPacket(nil, pJobCreated, []byte("H:host:1")))...)
	stream = append(stream, res(appendPacket(nil, pWorkComplete, []byte("H:host:1"), big))...)
	stream = append(stream, res(appendPacket(nil, pNoJob))...)
	stream = append(stream, res(appendPacket(nil, pJobAssignUniq, []byte("H:1"), []byte("f"), []byte("u"), []byte("d\x00ata")))...)

	// A reader that hands out one byte at a time exercises every partial read.
	pr := newPacketReader(&oneByteReader{stream}, 64)
	check := func(wantType uint32, wantBody []byte) {
		t.Helper()
		typ, body, err := pr.next()
		if err != nil || typ != wantType || !bytes.Equal(body, wantBody) {
			t.Fatalf("got %s %q %v, want %s %q", typeName(typ), body, err, typeName(wantType), wantBody)
		}
	}
	check(pJobCreated, []byte("H:host:1"))
	check(pWorkComplete, append([]byte("H:host:1\x00"), big...))
	check(pNoJob, []byte{})
	check(pJobAssignUniq, []byte("H:1\x00f\x00u\x00d\x00ata"))
	if _, _, err := pr.next(); err != io.EOF {
		t.Fatalf("at the end: %v, want EOF", err)
	}

	// Truncated body, bad magic.
	pr = newPacketReader(bytes.NewReader(stream[:19]), 64)
	if _, _, err := pr.next(); err != io.ErrUnexpectedEOF {
		t.Fatalf("truncated: %v", err)
	}
	pr = newPacketReader(bytes.NewReader(appendPacket(nil, pNoJob)), 64)
	if _, _, err := pr.next(); !errors.Is(err, errMagic) {
		t.Fatalf("REQ magic from a server: %v", err)
	}
}

func TestPacketReaderMore(t *testing.T) {
	two := append(res(appendPacket(nil, pNoop)), res(appendPacket(nil, pNoJob))...)
	pr := newPacketReader(bytes.NewReader(two), 64)
	pr.next()
	if !pr.more() {
		t.Fatal("second packet is buffered: more() must be true")
	}
	pr.next()
	if pr.more() {
		t.Fatal("nothing left: more() must be false")
	}
}

type oneByteReader struct{ b []byte }

func (r *oneByteReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	p[0] = r.b[0]
	r.b = r.b[1:]
	return 1, nil
}

func TestStamp(t *testing.T) {
	p := newPayload(64)
	setStamp(p, 7, 123456789)
	conn, seq, ok := parseStamp(p)
	if !ok || conn != 7 || seq != 123456789 {
		t.Fatalf("parseStamp = %d %d %v", conn, seq, ok)
	}
	if !bytes.Equal(p[stampLen:], newPayload(64)[stampLen:]) {
		t.Fatal("the stamp overwrote the pattern")
	}
	a, b := newPayload(8), newPayload(8)
	setStamp(a, 1, 1)
	setStamp(b, 1, 2)
	if bytes.Equal(a, b) || len(a) != 8 {
		t.Fatal("short payloads must still differ by sequence")
	}
	if _, _, ok := parseStamp([]byte("zzzzzzzzzzzzzzzz")); ok {
		t.Fatal("parsed a non-hex stamp")
	}
}

func TestParseUniq(t *testing.T) {
	conn, seq, ok := parseUniq([]byte("lg42-3-1000"), []byte("lg42-"))
	if !ok || conn != 3 || seq != 1000 {
		t.Fatalf("got %d %d %v", conn, seq, ok)
	}
	for _, bad := range []string{"lg43-3-1000", "lg42-3", "lg42-x-1", "lg42-1-"} {
		if _, _, ok := parseUniq([]byte(bad), []byte("lg42-")); ok {
			t.Fatalf("accepted %q", bad)
		}
	}
}

func TestBuckets(t *testing.T) {
	prev := -1
	for _, v := range []int64{0, 1, 127, 128, 129, 255, 256, 1000, 1 << 20, 1<<40 + 12345, 1<<62 + 1} {
		i := bucketOf(v)
		low, width := bucketRange(i)
		if v < low || v >= low+width {
			t.Fatalf("value %d in bucket %d = [%d, %d)", v, i, low, low+width)
		}
		if i < prev {
			t.Fatalf("bucket index decreasing at %d", v)
		}
		if v >= 128 && float64(width)/float64(low) > 1.0/64 {
			t.Fatalf("bucket %d too wide: %d at %d", i, width, low)
		}
		prev = i
	}
	if bucketOf(1<<63-1) >= nBuckets {
		t.Fatal("largest value out of range")
	}
	// Every bucket starts where the previous one ends.
	for i := 1; i < bucketOf(1<<50); i++ {
		l0, w0 := bucketRange(i - 1)
		l1, _ := bucketRange(i)
		if l0+w0 != l1 {
			t.Fatalf("gap between buckets %d and %d", i-1, i)
		}
	}
}

func TestQuantiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h, h2 histogram
	var vals []int64
	for i := range 100000 {
		v := int64(rng.ExpFloat64()*200e3) + 20e3 // 20 µs + exponential, mean 200 µs
		vals = append(vals, v)
		if i%2 == 0 {
			h.record(v)
		} else {
			h2.record(v)
		}
	}
	h.merge(&h2)
	slices.Sort(vals)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		exact := vals[int(q*float64(len(vals)))-1]
		got := h.quantile(q)
		if rel := float64(got-exact) / float64(exact); rel > 1.0/100 || rel < -1.0/100 {
			t.Errorf("q%g: got %d, exact %d (%.2f%%)", q, got, exact, rel*100)
		}
	}
	if h.quantile(1) != vals[len(vals)-1] || h.n != 100000 {
		t.Errorf("max: got %d, want %d", h.quantile(1), vals[len(vals)-1])
	}

	var one histogram
	one.record(5000)
	if one.quantile(0.5) != 5000 || one.quantile(0.999) != 5000 {
		t.Error("a single sample must be every quantile")
	}
	var empty histogram
	if empty.quantile(0.99) != 0 {
		t.Error("empty histogram")
	}
}

func TestResultJSON(t *testing.T) {
	r := newResult("client")
	r.set("conns", 8)
	r.set("jobs_per_s", 1234.56789)
	r.set("errors", int64(0))
	r.set("conns", 9)
	b, err := r.MarshalJSON()
	if err != nil || string(b) != `{"mode":"client","conns":9,"jobs_per_s":1234.568,"errors":0}` {
		t.Fatalf("got %s %v", b, err)
	}
}

func BenchmarkClientCodec(b *testing.B) {
	// One job's codec work on the client side: encode a submit, decode the completion.
	payload := newPayload(64)
	reply := res(appendPacket(nil, pWorkComplete, []byte("H:host:123456"), payload))
	stream := bytes.Repeat(reply, 1024)
	rd := bytes.NewReader(stream)
	pr := newPacketReader(rd, 64<<10)
	var wbuf []byte
	b.ReportAllocs()
	for i := range b.N {
		setStamp(payload, 1, uint64(i))
		wbuf = appendPacket(wbuf[:0], pSubmitJob, []byte("echo"), nil, payload)
		_, body, err := pr.next()
		if err != nil {
			rd.Reset(stream)
			pr = newPacketReader(rd, 64<<10)
			continue
		}
		handle, _, _ := bytes.Cut(body, nul)
		_ = fnv64(handle)
	}
}
