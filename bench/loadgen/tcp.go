package main

// The Gearman binary protocol, spoken raw: packet framing, a reader that reuses its buffers,
// the payload stamp, and the admin `status` command.

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// Packet types (docs: gearman-protocol.md §1.5).
const (
	pCanDo         = 1
	pPreSleep      = 4
	pNoop          = 6
	pSubmitJob     = 7
	pJobCreated    = 8
	pNoJob         = 10
	pWorkStatus    = 12
	pWorkComplete  = 13
	pWorkFail      = 14
	pEchoReq       = 16
	pEchoRes       = 17
	pSubmitJobBG   = 18
	pError         = 19
	pWorkException = 25
	pWorkData      = 28
	pWorkWarning   = 29
	pGrabJobUniq   = 30
	pJobAssignUniq = 31
)

const (
	headerLen = 12
	maxBody   = 1 << 30 // a larger announced body means the stream is garbage
)

var nul = []byte{0}

var typeNames = map[uint32]string{
	pCanDo: "CAN_DO", pPreSleep: "PRE_SLEEP", pNoop: "NOOP", pSubmitJob: "SUBMIT_JOB",
	pJobCreated: "JOB_CREATED", pNoJob: "NO_JOB", pWorkStatus: "WORK_STATUS",
	pWorkComplete: "WORK_COMPLETE", pWorkFail: "WORK_FAIL", pEchoReq: "ECHO_REQ",
	pEchoRes: "ECHO_RES", pSubmitJobBG: "SUBMIT_JOB_BG", pError: "ERROR",
	pWorkException: "WORK_EXCEPTION", pWorkData: "WORK_DATA", pWorkWarning: "WORK_WARNING",
	pGrabJobUniq: "GRAB_JOB_UNIQ", pJobAssignUniq: "JOB_ASSIGN_UNIQ",
}

func typeName(t uint32) string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return "type " + strconv.Itoa(int(t))
}

func dialTCP(addr string) (net.Conn, error) { return net.Dial("tcp", addr) }

// appendHeader appends a request header ("\0REQ", type, body length).
func appendHeader(b []byte, typ uint32, bodyLen int) []byte {
	b = append(b, 0, 'R', 'E', 'Q')
	b = binary.BigEndian.AppendUint32(b, typ)
	return binary.BigEndian.AppendUint32(b, uint32(bodyLen))
}

// appendPacket appends a request packet whose body is args joined by NUL bytes.
func appendPacket(b []byte, typ uint32, args ...[]byte) []byte {
	n := 0
	for _, a := range args {
		n += len(a) + 1
	}
	if n > 0 {
		n-- // no separator after the last argument
	}
	b = appendHeader(b, typ, n)
	for i, a := range args {
		if i > 0 {
			b = append(b, 0)
		}
		b = append(b, a...)
	}
	return b
}

// packetReader reads response packets. A body that fits the bufio buffer is returned in
// place (valid until the next call), a larger one in a reused scratch buffer: no allocation
// per packet.
type packetReader struct {
	r       *bufio.Reader
	pending int // bytes of the last body still to be discarded
	big     []byte
}

func newPacketReader(rd io.Reader, size int) *packetReader {
	return &packetReader{r: bufio.NewReaderSize(rd, size)}
}

var errMagic = errors.New("bad response magic (want \\0RES)")

func (p *packetReader) next() (typ uint32, body []byte, err error) {
	if p.pending > 0 {
		p.r.Discard(p.pending)
		p.pending = 0
	}
	h, err := p.r.Peek(headerLen)
	if err != nil {
		if err == io.EOF && len(h) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return 0, nil, err
	}
	if h[0] != 0 || h[1] != 'R' || h[2] != 'E' || h[3] != 'S' {
		return 0, nil, fmt.Errorf("%w: %q", errMagic, h[:4])
	}
	typ = binary.BigEndian.Uint32(h[4:8])
	n := int(binary.BigEndian.Uint32(h[8:12]))
	if n > maxBody {
		return 0, nil, fmt.Errorf("%s announces a %d-byte body", typeName(typ), n)
	}
	p.r.Discard(headerLen)
	if n <= p.r.Size() {
		body, err = p.r.Peek(n)
		if err != nil {
			return 0, nil, unexpectedEOF(err)
		}
		p.pending = n
		return typ, body, nil
	}
	if cap(p.big) < n {
		p.big = make([]byte, n)
	}
	body = p.big[:n]
	if _, err = io.ReadFull(p.r, body); err != nil {
		return 0, nil, unexpectedEOF(err)
	}
	return typ, body, nil
}

// more reports whether another packet (or part of one) is already buffered: while it is,
// replies are batched instead of written.
func (p *packetReader) more() bool { return p.r.Buffered() > p.pending }

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// errorText renders an ERROR body (CODE\0TEXT).
func errorText(body []byte) string {
	code, text, _ := bytes.Cut(body, nul)
	return fmt.Sprintf("ERROR %s %q", code, text)
}

// fnv64 hashes a job handle (FNV-1a) for the per-connection handle maps.
func fnv64(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// ---------------------------------------------------------------- payloads

// A payload is S bytes: a 16-hex-digit stamp (connection << 48 | sequence) and then a
// fixed pattern, so an echo of the wrong job, or a damaged one, is caught. Payloads shorter
// than 16 bytes keep only the low digits of the stamp.
const stampLen = 16

const hexDigits = "0123456789abcdef"

func newPayload(size int) []byte {
	p := make([]byte, size)
	for i := range p {
		p[i] = 'a' + byte(i%26)
	}
	return p
}

func setStamp(p []byte, conn int, seq uint64) {
	v := uint64(conn)<<48 | seq&(1<<48-1)
	var tmp [stampLen]byte
	for i := stampLen - 1; i >= 0; i-- {
		tmp[i] = hexDigits[v&15]
		v >>= 4
	}
	if len(p) >= stampLen {
		copy(p, tmp[:])
	} else {
		copy(p, tmp[stampLen-len(p):])
	}
}

// parseStamp reads the stamp of a payload of at least stampLen bytes.
func parseStamp(p []byte) (conn int, seq uint64, ok bool) {
	if len(p) < stampLen {
		return 0, 0, false
	}
	var v uint64
	for _, c := range p[:stampLen] {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | uint64(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | uint64(c-'a'+10)
		default:
			return 0, 0, false
		}
	}
	return int(v >> 48), v & (1<<48 - 1), true
}

// ---------------------------------------------------------------- admin

// adminStatus asks the admin text command `status` for fn's total job count (queued plus
// running). ok is false when the server does not answer it in the usual shape.
func adminStatus(addr, fn string) (total int, ok bool, err error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, false, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write([]byte("status\n")); err != nil {
		return 0, false, err
	}
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return 0, false, err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "." {
			return total, true, nil // a function never mentioned has no line: 0 jobs
		}
		if strings.HasPrefix(line, "ERR") {
			return 0, false, fmt.Errorf("status: %s", line)
		}
		fields := strings.Split(line, "\t")
		if len(fields) == 4 && fields[0] == fn {
			if total, err = strconv.Atoi(fields[1]); err != nil {
				return 0, false, fmt.Errorf("status line %q", line)
			}
		}
	}
}
