// Package testserver starts a real `geargate serve` on free loopback ports for tests.
package testserver

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	pb "github.com/geargate/geargate/clients/go/geargatepb"
)

// Server is a running geargate process.
type Server struct {
	GearmanPort int
	GRPCPort    int
	Args        []string
	cmd         *exec.Cmd
	output      *lockedBuffer
	exited      chan struct{}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// GRPCAddress is "127.0.0.1:PORT" of the gRPC API.
func (s *Server) GRPCAddress() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.GRPCPort)) }

// GearmanAddress is "127.0.0.1:PORT" of the Gearman TCP protocol.
func (s *Server) GearmanAddress() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.GearmanPort))
}

// FreePort returns a loopback port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start runs `geargate serve` on fresh free ports with extra args and stops it at cleanup.
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	s := &Server{GearmanPort: FreePort(t), GRPCPort: FreePort(t), Args: args}
	s.Restart(t)
	t.Cleanup(s.Stop)
	return s
}

// Restart starts the process again on the same ports (after Stop, or the first time).
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	args := append([]string{"serve", "-L", "127.0.0.1", "-p", strconv.Itoa(s.GearmanPort),
		"--grpc-port", strconv.Itoa(s.GRPCPort), "-l", "stderr", "--store", "memory"}, s.Args...)
	s.output = &lockedBuffer{}
	s.cmd = exec.Command("geargate", args...)
	s.cmd.Stdout = s.output
	s.cmd.Stderr = s.output
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start geargate (is it on PATH?): %v", err)
	}
	s.exited = make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) { _ = cmd.Wait(); close(exited) }(s.cmd, s.exited)
	if err := s.waitReady(20 * time.Second); err != nil {
		s.Stop()
		t.Fatalf("geargate did not come up: %v\noutput:\n%s", err, s.output.String())
	}
}

func (s *Server) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	conn, err := grpc.NewClient(s.GRPCAddress(),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	admin := pb.NewAdminServiceClient(conn)
	for {
		select {
		case <-s.exited:
			return fmt.Errorf("geargate exited early")
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := admin.Version(ctx, &pb.VersionQuery{})
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop terminates the process (SIGTERM, then SIGKILL) and waits for it.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// Kill ends the process abruptly (SIGKILL) and waits for it.
func (s *Server) Kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
}

// Output is what the server printed so far.
func (s *Server) Output() string { return s.output.String() }
