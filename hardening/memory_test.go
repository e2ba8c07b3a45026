package hardening

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okapi-erp/okapi/sqlite"
)

// rssMiB is the resident memory of process pid, from /proc.
func rssMiB(t *testing.T, pid int) float64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb / 1024
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// watchRSS samples pid's resident memory every 10 ms until stop is
// closed, and returns the highest sample.
func watchRSS(t *testing.T, pid int, stop <-chan struct{}) <-chan float64 {
	out := make(chan float64, 1)
	go func() {
		peak := 0.0
		for {
			if r := rssMiB(t, pid); r > peak {
				peak = r
			}
			select {
			case <-stop:
				out <- peak
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	return out
}

// versionBody is an XML-RPC call of common.version (no login needed)
// carrying an array of small values, size bytes in all: the most values a
// body of that size can hold, the costliest to decode.
func versionBody(size int) []byte {
	const item = "<value><int>7</int></value>"
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0"?><methodCall><methodName>version</methodName><params><param><value><array><data>`)
	tail := `</data></array></value></param></params></methodCall>`
	for b.Len()+len(item)+len(tail) <= size {
		b.WriteString(item)
	}
	b.WriteString(tail)
	return b.Bytes()
}

// TestMemoryUnderLargeBodies attacks `okapi serve` (default flags) as issue
// 12 did: 40 XML-RPC version calls of 9.6 MB at once, from 40 source
// addresses, no login needed. The server's resident memory stays under
// 300 MiB during the burst and comes back under 100 MiB after it; every
// call is answered, 200, or 503 with Retry-After when the burst is over
// the server's budget.
func TestMemoryUnderLargeBodies(t *testing.T) {
	srv := startProcess(t, []string{"OKAPI_ADMIN_PASSWORD=Admin-Pass-1"}, "http", "--data", t.TempDir(), "--db-name", dbName)
	pid := srv.PID()
	body := versionBody(9_600_000)
	before := rssMiB(t, pid)
	stop := make(chan struct{})
	peak := watchRSS(t, pid, stop)
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	start := time.Now()
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := send(t, http.MethodPost, srv.URL+"/xmlrpc/2/common", "text/xml", fmt.Sprintf("127.0.0.%d", 20+i), body, nil)
			mu.Lock()
			defer mu.Unlock()
			statuses[a.status]++
			switch a.status {
			case http.StatusOK:
			case http.StatusServiceUnavailable:
				if a.header.Get("Retry-After") == "" {
					t.Error("503 without Retry-After")
				}
			default:
				t.Errorf("status %d: %.200s", a.status, a.body)
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	close(stop)
	high := <-peak
	var after float64
	settle := time.Now()
	for {
		after = rssMiB(t, pid)
		if after < 100 || time.Since(settle) > 10*time.Second {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("40 × %.1f MB: answers %v in %v; resident memory %.0f MiB before, %.0f MiB at the peak, %.0f MiB %v after",
		float64(len(body))/1e6, statuses, took.Round(time.Millisecond), before, high, after, time.Since(settle).Round(100*time.Millisecond))
	if high >= 300 {
		t.Errorf("resident memory reached %.0f MiB during the burst, want < 300", high)
	}
	if after >= 100 {
		t.Errorf("resident memory %.0f MiB 10 s after the burst, want < 100", after)
	}
	if statuses[http.StatusOK] == 0 {
		t.Error("no call was answered 200")
	}
}

// fileBytes is the size of the files at paths that exist.
func fileBytes(paths ...string) int64 {
	var n int64
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil {
			n += st.Size()
		}
	}
	return n
}

// TestHugeLogins attacks `okapi serve` (default flags, debug logging) as
// issue 12 did: ten authenticate calls, each with a different 4 MiB login,
// needing no account. Each fails as an unknown login does; the log, the
// audit log and the database grow by kilobytes (the logins are capped
// before they are counted, logged or stored), and the server's resident
// memory stays small and comes back.
func TestHugeLogins(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := startProcess(t, []string{"OKAPI_ADMIN_PASSWORD=Admin-Pass-1"}, "http", "--data", dir, "--db-name", dbName, "--log-level", "debug")
	pid := srv.PID()
	db := filepath.Join(dir, sqlite.FileName)
	dbBefore, logBefore := fileBytes(db, db+"-wal"), len(srv.Output())
	auditBefore, _ := runCLI(t, "", "audit", "export", "--data", dir)
	stop := make(chan struct{})
	peak := watchRSS(t, pid, stop)
	for i := 0; i < 10; i++ {
		login := strings.Repeat(fmt.Sprintf("%c", 'a'+i), 4<<20)
		if uid := (&node{t: t, url: srv.URL}).authenticate(fmt.Sprintf("127.0.0.%d", 70+i), login, "whatever"); uid != 0 {
			t.Fatalf("a 4 MiB login logged in as %d", uid)
		}
	}
	// Counts and audit entries are written in the background (every poll).
	time.Sleep(time.Second)
	close(stop)
	high := <-peak
	dbGrew := fileBytes(db, db+"-wal") - dbBefore
	srv.Stop()
	auditAfter, _ := runCLI(t, "", "audit", "export", "--data", dir)
	logGrew := len(srv.Output()) - logBefore
	auditGrew := len(auditAfter) - len(auditBefore)
	t.Logf("10 × 4 MiB logins: database +%d bytes, log +%d bytes, audit log +%d bytes (%d entries), peak resident memory %.0f MiB",
		dbGrew, logGrew, auditGrew, strings.Count(auditAfter, "\n")-strings.Count(auditBefore, "\n"), high)
	if strings.Count(auditAfter, "login.failed")-strings.Count(auditBefore, "login.failed") < 10 {
		t.Errorf("the failures were not audited:\n%s", auditAfter)
	}
	if dbGrew > 1<<20 {
		t.Errorf("the database grew by %d bytes", dbGrew)
	}
	if logGrew > 64<<10 {
		t.Errorf("the log grew by %d bytes", logGrew)
	}
	if auditGrew > 32<<10 {
		t.Errorf("the audit log grew by %d bytes", auditGrew)
	}
	if high > 150 {
		t.Errorf("resident memory reached %.0f MiB", high)
	}
}
