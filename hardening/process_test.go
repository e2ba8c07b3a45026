package hardening

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
	"testing"
	"time"
)

// The okapi command is built once, the first time a test needs it, and
// run as a real process.
var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// okapiBinary returns the path of the built okapi command.
func okapiBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "okapi-hardening")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "okapi")
		// A plain build, as cmd/okapi's end-to-end tests make, so that
		// the two share it in the build cache; the race detector would
		// make the scenarios three times slower.
		cmd := exec.Command("go", "build", "-o", binPath, "github.com/okapi-erp/okapi/cmd/okapi")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			buildErr = fmt.Errorf("building okapi: %v\n%s", err, out.String())
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// process is a running `okapi serve` and everything it wrote.
type process struct {
	t    *testing.T
	cmd  *exec.Cmd
	url  string
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
}

func (p *process) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// startProcess runs `okapi serve` with args on a free loopback port and
// waits until it listens; scheme is "http" or "https".
func startProcess(t *testing.T, env []string, scheme string, args ...string) *process {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	p := &process{t: t, url: scheme + "://" + addr, done: make(chan struct{})}
	p.cmd = exec.Command(okapiBinary(t), append([]string{"serve", "--addr", addr}, args...)...)
	p.cmd.Env = append(os.Environ(), env...)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout, p.cmd.Stderr = w, w
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	ready := make(chan struct{})
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		var once sync.Once
		for sc.Scan() {
			p.mu.Lock()
			p.out.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if strings.Contains(sc.Text(), "listening on") {
				once.Do(func() { close(ready) })
			}
		}
	}()
	select {
	case <-ready:
	case <-p.done:
		t.Fatalf("okapi serve exited:\n%s", p.output())
	case <-time.After(60 * time.Second):
		p.cmd.Process.Kill()
		t.Fatalf("okapi serve did not start:\n%s", p.output())
	}
	t.Cleanup(p.stop)
	return p
}

// stop interrupts the server and waits for it to finish writing.
func (p *process) stop() {
	if p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
	p.cmd.Wait()
}

// runCLI runs an okapi command with stdin and returns its stdout and
// stderr; a failure fails the test.
func runCLI(t *testing.T, stdin string, args ...string) (string, string) {
	t.Helper()
	cmd := exec.Command(okapiBinary(t), args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("okapi %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String(), errb.String()
}
