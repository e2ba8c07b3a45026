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
	cmd := exec.Command(binary, append([]string{command, "--addr", addr}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	return start(t, cmd, addr, scheme)
}

// StartAs runs `okapi serve` as a person types it: args alone (no --addr),
// in dir, with env as its whole environment; addr is where it will listen
// (its default, or what $OKAPI_ADDR in env says). It waits until the
// server listens, and stops it when the test ends.
func StartAs(t testing.TB, binary, dir string, env []string, addr string, args ...string) *Server {
	t.Helper()
	return StartIn(t, binary, dir, env, addr, append([]string{"serve"}, args...)...)
}

// StartIn is StartAs for any server command: args are the whole command
// line after the binary ("gateway", "--upstream", …).
func StartIn(t testing.TB, binary, dir string, env []string, addr string, args ...string) *Server {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir, cmd.Env = dir, env
	return start(t, cmd, addr, "http")
}

func start(t testing.TB, cmd *exec.Cmd, addr, scheme string) *Server {
	t.Helper()
	s := &Server{Addr: addr, URL: scheme + "://" + addr, done: make(chan struct{}), cmd: cmd}
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
		t.Fatalf("%s exited:\n%s", strings.Join(s.cmd.Args, " "), s.Output())
	case <-time.After(60 * time.Second):
		s.Kill()
		t.Fatalf("%s did not listen within 60 s:\n%s", strings.Join(s.cmd.Args, " "), s.Output())
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

// Wait waits up to timeout for the server to exit by itself (after a
// signal the test sent) and returns its exit status, or -1 on timeout.
func (s *Server) Wait(timeout time.Duration) int {
	select {
	case <-s.done:
	case <-time.After(timeout):
		return -1
	}
	s.cmd.Wait()
	return s.cmd.ProcessState.ExitCode()
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
	return RunIn(t, binary, "", stdin, args...)
}

// RunIn is Run in the folder dir (the test's own when empty).
func RunIn(t testing.TB, binary, dir, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
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
