package gateway_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/gateway"
)

// TestLinkerBoundsChecks: a flood of password checks (logins to the
// gateway's page from many clients at once) never has more than the
// linker's slots in flight upstream, every check still gets its answer,
// and a password over the bound is refused without reaching the upstream.
// The upstream is a loopback server that answers authenticate after 50 ms
// and counts the calls it holds at once.
func TestLinkerBoundsChecks(t *testing.T) {
	var inFlight, most, calls atomic.Int64
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		calls.Add(1)
		n := inFlight.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
		inFlight.Add(-1)
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, `<?xml version='1.0'?><methodResponse><params><param><value><int>7</int></value></param></params></methodResponse>`)
	}))
	defer up.Close()
	l := &gateway.Linker{URL: up.URL, DB: "prod", HTTP: up.Client(), Timeout: 10 * time.Second, Slots: make(chan struct{}, 4)}
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			uid, err := l.Authenticate(context.Background(), "alice", "a password")
			if err == nil && uid != 7 {
				err = errors.New("wrong uid")
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a check failed: %v", err)
	}
	if most.Load() > 4 || calls.Load() != 40 {
		t.Errorf("%d checks at once upstream (want at most 4), %d calls (want 40)", most.Load(), calls.Load())
	}
	if _, err := l.Authenticate(context.Background(), "alice", strings.Repeat("x", 5000)); !errors.Is(err, okapi.ErrAccessDenied) || calls.Load() != 40 {
		t.Errorf("an oversized password: %v, %d calls", err, calls.Load())
	}
}
