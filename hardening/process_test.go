package hardening

import (
	"os"
	"testing"

	"github.com/okapi-erp/okapi/internal/proctest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	proctest.Cleanup()
	os.Exit(code)
}

// okapiBinary returns the path of the built okapi command (built once, the
// first time a test needs it).
func okapiBinary(t *testing.T) string { return proctest.Binary(t) }

// startProcess runs `okapi serve` with args on a free loopback port and
// waits until it listens; scheme is "http" or "https".
func startProcess(t *testing.T, env []string, scheme string, args ...string) *proctest.Server {
	t.Helper()
	return proctest.Start(t, okapiBinary(t), "", env, scheme, args...)
}

// runCLI runs an okapi command with stdin and returns its stdout and
// stderr; a failure fails the test.
func runCLI(t *testing.T, stdin string, args ...string) (string, string) {
	t.Helper()
	out, errs, code := proctest.Run(t, okapiBinary(t), stdin, args...)
	if code != 0 {
		t.Fatalf("okapi %v: exit %d\n%s", args, code, errs)
	}
	return out, errs
}
