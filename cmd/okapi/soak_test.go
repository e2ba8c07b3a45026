package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"github.com/okapi-erp/okapi/internal/proctest"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/bench"
	"github.com/okapi-erp/okapi/secret"
	"github.com/okapi-erp/okapi/sqldb"
	"github.com/okapi-erp/okapi/storage"
)

// rss reads a process's resident memory in kB from /proc.
func rss(t *testing.T, pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			n, _ := strconv.Atoi(strings.Fields(line)[1])
			return n
		}
	}
	return 0
}

// goroutines reads go_goroutines from the server's /metrics.
func goroutines(t *testing.T, url string) int {
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "go_goroutines ") {
			n, _ := strconv.ParseFloat(strings.Fields(sc.Text())[1], 64)
			return int(n)
		}
	}
	return 0
}

// TestSoak runs a steady load (the three benchmarked calls in turn) against
// a real server process for OKAPI_SOAK (scripts/test.sh: 30s; by hand:
// 10m) and checks that neither its memory nor its goroutines grow.
func TestSoak(t *testing.T) {
	total, err := time.ParseDuration(os.Getenv("OKAPI_SOAK"))
	if err != nil || total <= 0 {
		t.Skip("OKAPI_SOAK not set (scripts/test.sh sets 30s)")
	}
	data := t.TempDir()
	srv := startServer(t, []string{"OKAPI_ADMIN_PASSWORD=admin"}, "--data", data, "--db-name", "acme", "--log-level", "warn")
	mustOkapi(t, "user", "create", "--data", data, "--login", "alice", "--password", "alice-pass")
	key := strings.TrimSpace(mustOkapi(t, "key", "create", "--data", data, "--login", "alice", "--name", "soak"))
	pid := srv.PID()
	base := goroutines(t, srv.URL)
	calls := []string{bench.CallAuthenticate, bench.CallSearchRead, bench.CallJSON2}
	slice := 5 * time.Second
	var samples []int
	deadline := time.Now().Add(total)
	for i := 0; time.Now().Before(deadline); i++ {
		d := min(slice, time.Until(deadline))
		if d < time.Second {
			break
		}
		rep, err := bench.Run(context.Background(), bench.Config{URL: srv.URL, DB: "acme", Login: "alice", Key: key,
			Call: calls[i%len(calls)], Concurrency: 8, Duration: d, Warmup: -1})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Errors > 0 {
			t.Fatalf("%s: %d errors, first: %s", rep.Call, rep.Errors, rep.FirstError)
		}
		samples = append(samples, rss(t, pid))
		t.Logf("%-12s %8.0f req/s  p99 %v  rss %d kB", rep.Call, rep.RPS, rep.P99, samples[len(samples)-1])
	}
	// After the load, idle connections close and goroutines settle.
	time.Sleep(2 * time.Second)
	after := goroutines(t, srv.URL)
	t.Logf("goroutines: %d before the load, %d after", base, after)
	if after > base+10 {
		t.Errorf("goroutines grew from %d to %d", base, after)
	}
	if len(samples) >= 4 {
		// Compare the second half with the first (the first samples
		// include warm-up: caches, pools, the heap finding its size).
		half := len(samples) / 2
		first, second := maxOf(samples[1:half]), maxOf(samples[half:])
		t.Logf("resident memory: max %d kB in the first half, %d kB in the second", first, second)
		if second > first+first/5+4096 {
			t.Errorf("resident memory grew from %d kB to %d kB", first, second)
		}
		if second > 60*1024 {
			t.Errorf("resident memory %d kB over the 60 MB budget", second)
		}
	}
}

func maxOf(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

// seedLarge fills a data folder with n contacts and n keys, as a large
// installation has them, by writing rows directly.
func seedLarge(b *testing.B, data string, n int) {
	ctx := context.Background()
	o, err := storage.Open(ctx, storage.Options{DataDir: data, AdminPassword: "admin"})
	if err != nil {
		b.Fatal(err)
	}
	defer o.Store.Close()
	h, _, err := storage.Pepper(data, "")
	if err != nil {
		b.Fatal(err)
	}
	if err := storage.CheckPepper(ctx, o.Store, h); err != nil {
		b.Fatal(err)
	}
	fillLarge(b, o.Store.DB(), h, n)
}

func fillLarge(b *testing.B, db *sqldb.DB, h *secret.Hasher, n int) {
	ctx := context.Background()
	now := sqldb.FormatTime(sqldb.Now())
	for done := 0; done < n; done += 10000 {
		err := db.Write(ctx, func(tx *sqldb.Tx) error {
			for i := done; i < done+10000 && i < n; i++ {
				name := fmt.Sprintf("Contact %06d", i)
				if _, err := tx.Exec(ctx, `INSERT INTO res_partner (name, complete_name, email, active, type, create_date, write_date, create_uid, write_uid)
					VALUES (?, ?, ?, TRUE, 'contact', ?, ?, 2, 2)`, name, name, fmt.Sprintf("c%d@example.com", i), now, now); err != nil {
					return err
				}
				raw := make([]byte, okapi.KeyBytes)
				rand.Read(raw)
				plain := hex.EncodeToString(raw)
				k := &okapi.Key{UserID: okapi.AdminID, Name: "key", Index: okapi.KeyIndex(plain)}
				if err := sqldb.InsertKey(ctx, tx, k, h.KeyHash(plain)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStartup measures a real `okapi serve` process from exec to its
// first answered request (common.version over XML-RPC), on a data folder
// holding 100,000 contacts and 100,000 keys.
func BenchmarkStartup(b *testing.B) {
	data := b.TempDir()
	seedLarge(b, data, 100_000)
	body := `<?xml version='1.0'?><methodCall><methodName>version</methodName><params></params></methodCall>`
	b.ResetTimer()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		addr := proctest.FreeAddr(b)
		start := time.Now()
		p := exec.Command(binary, "serve", "--data", data, "--addr", addr, "--log-level", "warn")
		if err := p.Start(); err != nil {
			b.Fatal(err)
		}
		for {
			resp, err := http.Post("http://"+addr+"/xmlrpc/2/common", "text/xml", strings.NewReader(body))
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					break
				}
			}
			if time.Since(start) > 30*time.Second {
				b.Fatal("no answer after 30s")
			}
			time.Sleep(time.Millisecond)
		}
		total += time.Since(start)
		b.StopTimer()
		p.Process.Signal(os.Interrupt)
		p.Wait()
		b.StartTimer()
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms-to-first-answer")
}
