package main

// Latency histogram, percentiles, the clock, and CPU sampling of this process and the server.

import (
	"bytes"
	"fmt"
	"math"
	"math/bits"
	"os"
	"strconv"
	"syscall"
	"time"
)

// base is the origin of mono(): a monotonic clock in nanoseconds.
var base = time.Now()

func mono() int64 { return int64(time.Since(base)) }

// histogram counts latencies (ns) in log-linear buckets: exact below 128 ns, then 64 buckets
// per power of two, so a reported percentile is within 1/128 (0.8%) of the true value.
// Each connection keeps its own; they are merged at the end.
const (
	subBits  = 6
	subCount = 1 << subBits
	nBuckets = (64 - subBits) * subCount
)

type histogram struct {
	counts   [nBuckets]uint64
	n        uint64
	min, max int64
}

func bucketOf(v int64) int {
	if v < 2*subCount {
		if v < 0 {
			return 0
		}
		return int(v)
	}
	shift := bits.Len64(uint64(v)) - subBits - 1
	return shift*subCount + int(v>>shift)
}

// bucketRange returns the lowest value of bucket i and its width.
func bucketRange(i int) (low, width int64) {
	if i < 2*subCount {
		return int64(i), 1
	}
	shift := i/subCount - 1
	return int64(i-shift*subCount) << shift, 1 << shift
}

func (h *histogram) record(v int64) {
	if v < 0 {
		v = 0
	}
	if h.n == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.counts[bucketOf(v)]++
	h.n++
}

func (h *histogram) merge(o *histogram) {
	if o.n == 0 {
		return
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
}

// quantile returns the value at quantile q (0..1): the middle of the bucket holding the
// ceil(q*n)-th smallest sample, clamped to the recorded min and max.
func (h *histogram) quantile(q float64) int64 {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = max(rank, 1)
	var cum uint64
	for i, c := range h.counts {
		cum += c
		if cum >= rank {
			low, width := bucketRange(i)
			return min(max(low+(width-1)/2, h.min), h.max)
		}
	}
	return h.max
}

// setLatency adds p50_us, p99_us and p999_us.
func (h *histogram) setLatency(r *result) {
	for _, p := range []struct {
		key string
		q   float64
	}{{"p50_us", 0.50}, {"p99_us", 0.99}, {"p999_us", 0.999}} {
		r.set(p.key, math.Round(float64(h.quantile(p.q))/100)/10)
	}
}

// ---------------------------------------------------------------- CPU

// selfCPU is this process's user+system CPU time in seconds.
func selfCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat times (100 on every Linux build).
const clockTicks = 100

// procCPU reads utime+stime of /proc/PID/stat (which already sums all threads), in seconds.
func procCPU(pid int) (float64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces or parentheses: split after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := bytes.Fields(b[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	utime, err1 := strconv.ParseUint(string(f[11]), 10, 64)
	stime, err2 := strconv.ParseUint(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad times", pid)
	}
	return float64(utime+stime) / clockTicks, nil
}

// cpuSample is one reading of both clocks; cpuSpan subtracts two of them into r.
type cpuSample struct {
	self, server float64
	serverOK     bool
}

func sampleCPU(o *opts) cpuSample {
	s := cpuSample{self: selfCPU()}
	if o.serverPID > 0 {
		v, err := procCPU(o.serverPID)
		if err != nil {
			logf("server cpu: %v", err)
		} else {
			s.server, s.serverOK = v, true
		}
	}
	return s
}

// setCPU adds cpu_s and (with --server-pid) server_cpu_s for the span from a to b; serverKey
// renames the server field (bg's per-phase numbers).
func setCPU(r *result, a, b cpuSample, selfKey, serverKey string) {
	if selfKey != "" {
		r.set(selfKey, b.self-a.self)
	}
	if a.serverOK && b.serverOK && serverKey != "" {
		r.set(serverKey, b.server-a.server)
	}
}
