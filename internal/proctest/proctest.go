// Package proctest runs the real okapi command in tests: it builds the
// binary once per test process and starts `okapi serve` as a separate
// process on a loopback port, keeping everything it writes, so that tests
// can kill it, restart it and search its output.
package proctest

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

// Build builds cmd/okapi once per test process and returns its path. A
// plain build (no race detector), so that every package's tests share it
// in the build cache and the scenarios run at full speed.
func Build() (string, error) {
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "okapi-bin")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "okapi")
		cmd := exec.Command("go", "build", "-o", binPath, "github.com/okapi-erp/okapi/cmd/okapi")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			buildErr = fmt.Errorf("building okapi: %v\n%s", err, out.String())
		}
	})
	return binPath, buildErr
}

// Binary is Build for a test: a build failure fails it.
func Binary(t testing.TB) string {
	t.Helper()
	p, err := Build()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Cleanup removes the built binary; call it from TestMain after m.Run.
func Cleanup() {
	if binDir != "" {
		os.RemoveAll(binDir)
	}
}

// FreeAddr returns a loopback address nobody listens on.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Server is a running `okapi serve` and everything it wrote.
type Server struct {
	Addr string
	URL  string
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
}

// Start runs `okapi serve` with args on addr (a free one when empty) and
// waits until it listens; scheme is "http" or "https". The server is
// stopped when the test ends.
func Start(t testing.TB, binary, addr string, env []string, scheme string, args ...string) *Server {
	t.Helper()
	return StartCommand(t, binary, "serve", addr, env, scheme, args...)
}

// StartCommand is Start for another server command than serve: "gateway".
func StartCommand(t testing.TB, binary, command, addr string, env []string, scheme string, args ...string) *Server {
	t.Helper()
	if addr == "" {
		addr = FreeAddr(t)
	}
	s := &Server{Addr: addr, URL: scheme + "://" + addr, done: make(chan struct{})}
	s.cmd = exec.Command(binary, append([]string{command, "--addr", addr}, args...)...)
	s.cmd.Env = append(os.Environ(), env...)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	s.cmd.Stdout, s.cmd.Stderr = w, w
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	ready := make(chan struct{})
	go func() {
		defer close(s.done)
		defer r.Close()
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		listening := false
		for sc.Scan() {
			s.mu.Lock()
			s.out.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
			if !listening && strings.Contains(sc.Text(), "listening on") {
				listening = true
				close(ready)
			}
		}
	}()
	select {
	case <-ready:
	case <-s.done:
		s.cmd.Wait()
		t.Fatalf("okapi %s exited:\n%s", command, s.Output())
	case <-time.After(60 * time.Second):
		s.Kill()
		t.Fatalf("okapi %s did not listen within 60 s:\n%s", command, s.Output())
	}
	t.Cleanup(s.Stop)
	return s
}

// Output is everything the server wrote so far.
func (s *Server) Output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

// PID is the server's process id.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Stop interrupts the server and waits for its graceful shutdown.
func (s *Server) Stop() {
	if s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd.Wait()
}

// Kill ends the server with SIGKILL: no shutdown, no deferred function, no
// flush; whatever the kernel has of its files is what remains.
func (s *Server) Kill() {
	if s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
	<-s.done
}

// Run runs an okapi command with stdin and returns stdout, stderr and the
// exit status.
func Run(t testing.TB, binary, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}
