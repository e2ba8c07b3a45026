package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/okapi-erp/okapi/internal/proctest"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/sqldb"
	"github.com/okapi-erp/okapi/sqlite"
	"github.com/okapi-erp/okapi/storage"
	"github.com/okapi-erp/okapi/storetest"
)

// EnvCrashKills sets how many times TestCrashSafety kills the server (20 by
// default, which takes about 15 s); more for long runs by hand.
const EnvCrashKills = "OKAPI_CRASH_KILLS"

var keyPattern = regexp.MustCompile(`^[0-9a-f]{40}$`)

// TestCrashSafety is issue 7's point 5. A real `okapi serve` takes a load of
// partner creations and writes over JSON-RPC, key revocations over JSON-RPC
// (res.users.apikeys unlink), while `okapi key create` and `okapi key revoke`
// processes run beside it; the server is killed with SIGKILL every few
// hundred milliseconds with requests in flight, and restarted on the same
// data each time. At the end, on a fresh server: every partner whose creation
// was acknowledged exists, with the last acknowledged name (or one sent
// after it whose answer was lost in a kill); every key whose creation was
// acknowledged authenticates through Python's xmlrpc.client; every
// acknowledged revocation holds; the audit log has an entry for each; and
// the SQLite file passes PRAGMA integrity_check and foreign_key_check.
func TestCrashSafety(t *testing.T) {
	kills := 20
	if v := os.Getenv(EnvCrashKills); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number", EnvCrashKills, v)
		}
		kills = n
	}
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			crashRun(t, dialect, kills)
		})
	}
}

// crashServer is `okapi serve` restarted on the same address and data.
type crashServer struct {
	t    *testing.T
	addr string
	args []string

	cur    *proctest.Server
	mu     sync.Mutex
	out    bytes.Buffer // the output of every earlier start, for a failure's report
	starts int
	kills  int
}

func (s *crashServer) url() string { return "http://" + s.addr }

func (s *crashServer) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.out.String()
	if s.cur != nil {
		out += s.cur.Output()
	}
	return out
}

// start runs the server and waits until it listens.
func (s *crashServer) start() {
	s.t.Helper()
	s.starts++
	s.cur = proctest.Start(s.t, binary, s.addr, []string{"OKAPI_ADMIN_PASSWORD=" + storetest.AdminPassword}, "http", s.args...)
}

// retire keeps the output of the server that just ended.
func (s *crashServer) retire() {
	s.mu.Lock()
	fmt.Fprintf(&s.out, "--- start %d\n%s", s.starts, s.cur.Output())
	s.mu.Unlock()
	s.cur = nil
}

// kill ends the server with SIGKILL: no shutdown, no deferred function, no
// flush; whatever the kernel has of the database files is what remains.
func (s *crashServer) kill() {
	if s.cur == nil {
		return
	}
	s.cur.Kill()
	s.retire()
	s.kills++
}

// stop ends the server gracefully.
func (s *crashServer) stop() {
	if s.cur == nil {
		return
	}
	s.cur.Stop()
	s.retire()
}

// outcome is what a client knows of a request.
type outcome int

const (
	acked   outcome = iota // answered with a result: it happened
	refused                // the connection was refused: nothing reached the server
	unknown                // sent, but no answer came: it may or may not have happened
	faulted                // answered with an error
	untried                // never sent
)

// rpcClient calls JSON-RPC as the Odoo clients do.
type rpcClient struct {
	url      func() string
	db       string
	uid      int64
	key      string
	hc       *http.Client
	inFlight *atomic.Int64
}

func (c *rpcClient) call(service, method string, args ...any) (json.RawMessage, outcome, string) {
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "call", "id": 1,
		"params": map[string]any{"service": service, "method": method, "args": args}})
	if err != nil {
		panic(err)
	}
	c.inFlight.Add(1)
	defer c.inFlight.Add(-1)
	resp, err := c.hc.Post(c.url()+"/jsonrpc", "application/json", bytes.NewReader(body))
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			return nil, refused, err.Error()
		}
		return nil, unknown, err.Error()
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, unknown, err.Error()
	}
	if resp.StatusCode != http.StatusOK {
		return nil, faulted, fmt.Sprintf("HTTP %d: %.200s", resp.StatusCode, b)
	}
	var r struct {
		Result json.RawMessage `json:"result"`
		Error  json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, unknown, fmt.Sprintf("bad JSON %q", b)
	}
	if r.Error != nil {
		return nil, faulted, string(r.Error)
	}
	if r.Result == nil {
		return nil, unknown, fmt.Sprintf("no result in %q", b)
	}
	return r.Result, acked, ""
}

func (c *rpcClient) execute(model, method string, args ...any) (json.RawMessage, outcome, string) {
	return c.call("object", "execute_kw", c.db, c.uid, c.key, model, method, args)
}

// partnerRec is one partner a client created.
type partnerRec struct {
	id      int64
	acked   string   // the last name the server acknowledged
	pending []string // names sent since, whose answers were lost
}

// keyRec is one key `okapi key create` printed.
type keyRec struct {
	name, key string
	revoked   outcome // acked: revoked; unknown: maybe; untried: never asked
	how       string
}

// crashStats are the run's numbers.
type crashStats struct {
	mu                             sync.Mutex
	partners                       []*partnerRec
	keys                           []*keyRec
	creates, writes                int // acknowledged
	revokedRPC, revokedCLI         int // acknowledged
	inDoubt                        int // sent, answer lost in a kill
	faults                         []string
	cliFailures                    []string
	killsInFlight, maxInFlightKill int64
}

func (st *crashStats) fault(what, msg string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.faults = append(st.faults, what+": "+msg)
}

func crashRun(t *testing.T, dialect string, kills int) {
	data := t.TempDir()
	store := []string{"--data", data}
	if dialect == "postgres" {
		store = append(store, "--db", storetest.PostgresURL(t))
	}
	const dbName = "crash"
	// No cooldown: the final check presents every revoked key, and each is
	// a failed login.
	srv := &crashServer{t: t, addr: proctest.FreeAddr(t), args: append([]string{"--db-name", dbName, "--log-level", "warn", "--cooldown-after", "0"}, store...)}
	srv.start()
	defer func() {
		srv.stop()
		if t.Failed() {
			t.Logf("server output:\n%s", srv.output())
		}
	}()
	cli := func(args ...string) (string, string, int) {
		cmd := exec.Command(binary, append(args, store...)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee):
			return out.String(), errb.String(), ee.ExitCode()
		case err != nil:
			return out.String(), err.Error(), -1
		}
		return out.String(), errb.String(), 0
	}
	mustCLI := func(args ...string) string {
		t.Helper()
		out, errs, code := cli(args...)
		if code != 0 {
			t.Fatalf("okapi %s: exit %d: %s", strings.Join(args, " "), code, errs)
		}
		return strings.TrimSpace(out)
	}
	mustCLI("user", "create", "--login", "alice", "--password", "alice-password")
	adminKey := mustCLI("key", "create", "--login", "admin", "--name", "crash load")
	alice := pyAuthenticate(t, srv.url(), dbName, "alice", "alice-password")
	if _, err := strconv.Atoi(alice); err != nil {
		t.Fatalf("alice cannot log in: %s", alice)
	}

	var inFlight atomic.Int64
	client := func() *rpcClient {
		return &rpcClient{url: srv.url, db: dbName, uid: 2, key: adminKey,
			hc: &http.Client{Timeout: 60 * time.Second}, inFlight: &inFlight}
	}
	st := &crashStats{}
	ctx, cancel := context.WithCancel(context.Background())
	var wg, makers sync.WaitGroup
	defer func() {
		// A failed start ends the test early: stop the load first.
		cancel()
		wg.Wait()
		makers.Wait()
	}()

	// Partner writers: creations, and renames of the partners they made.
	const partnerWorkers = 4
	for w := range partnerWorkers {
		wg.Go(func() {
			c := client()
			var mine []*partnerRec
			for seq := 0; ctx.Err() == nil; seq++ {
				if seq%2 == 1 && len(mine) > 0 {
					p := mine[rand.IntN(len(mine))]
					name := fmt.Sprintf("crash %d-%d renamed", w, seq)
					st.mu.Lock()
					p.pending = append(p.pending, name)
					st.mu.Unlock()
					_, o, msg := c.execute("res.partner", "write", []any{p.id}, map[string]any{"name": name})
					st.mu.Lock()
					switch o {
					case acked:
						p.acked, p.pending = name, nil
						st.writes++
					case refused:
						p.pending = p.pending[:len(p.pending)-1]
					case unknown:
						st.inDoubt++
					}
					st.mu.Unlock()
					if o == faulted {
						st.fault("partner write", msg)
					}
					if o == refused {
						time.Sleep(5 * time.Millisecond)
					}
					continue
				}
				name := fmt.Sprintf("crash %d-%d", w, seq)
				res, o, msg := c.execute("res.partner", "create", map[string]any{"name": name})
				switch o {
				case acked:
					var id int64
					if err := json.Unmarshal(res, &id); err != nil || id <= 0 {
						st.fault("partner create", "result "+string(res))
						continue
					}
					p := &partnerRec{id: id, acked: name}
					mine = append(mine, p)
					st.mu.Lock()
					st.partners = append(st.partners, p)
					st.creates++
					st.mu.Unlock()
				case refused:
					time.Sleep(5 * time.Millisecond)
				case unknown:
					st.mu.Lock()
					st.inDoubt++
					st.mu.Unlock()
				case faulted:
					st.fault("partner create", msg)
				}
			}
		})
	}

	// Key makers: `okapi key create` processes beside the server. Every
	// other key goes to the revoker.
	toRevoke := make(chan *keyRec, 1024)
	const keyWorkers = 2
	for w := range keyWorkers {
		makers.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				name := fmt.Sprintf("crash key %d-%d", w, n)
				out, errs, code := cli("key", "create", "--login", "alice", "--name", name)
				key := strings.TrimSpace(out)
				if code != 0 || !keyPattern.MatchString(key) {
					st.mu.Lock()
					st.cliFailures = append(st.cliFailures, fmt.Sprintf("key create: exit %d: %s", code, strings.TrimSpace(errs)))
					st.mu.Unlock()
					continue
				}
				k := &keyRec{name: name, key: key, revoked: untried}
				st.mu.Lock()
				st.keys = append(st.keys, k)
				st.mu.Unlock()
				// Ten keys a second per maker are plenty, and each revoked
				// one costs a password check in the final verification.
				time.Sleep(100 * time.Millisecond)
				if n%2 == 0 {
					select {
					case toRevoke <- k:
					default: // the revoker is behind: this key stays
					}
				}
			}
		})
	}
	go func() {
		makers.Wait()
		close(toRevoke)
	}()

	// The revoker: over JSON-RPC (search by name, then unlink) and with
	// `okapi key revoke`, in turn.
	wg.Go(func() {
		c := client()
		n := 0
		for k := range toRevoke {
			if ctx.Err() != nil {
				continue // drain
			}
			n++
			if n%2 == 0 {
				_, errs, code := cli("key", "revoke", "--login", "alice", "--name", k.name)
				st.mu.Lock()
				k.how = "okapi key revoke"
				if code == 0 {
					k.revoked = acked
					st.revokedCLI++
				} else {
					k.revoked = unknown
					st.cliFailures = append(st.cliFailures, fmt.Sprintf("key revoke: exit %d: %s", code, strings.TrimSpace(errs)))
				}
				st.mu.Unlock()
				continue
			}
			var ids []int64
			for ctx.Err() == nil {
				res, o, msg := c.execute("res.users.apikeys", "search", []any{[]any{"name", "=", k.name}})
				if o == acked {
					if err := json.Unmarshal(res, &ids); err != nil || len(ids) != 1 {
						st.fault("key search", fmt.Sprintf("%s for %q", res, k.name))
					}
					break
				}
				if o == faulted {
					st.fault("key search", msg)
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			if len(ids) != 1 {
				continue
			}
			for ctx.Err() == nil {
				st.mu.Lock()
				k.how, k.revoked = "res.users.apikeys unlink", unknown
				st.mu.Unlock()
				res, o, msg := c.execute("res.users.apikeys", "unlink", []any{ids[0]})
				if o == refused {
					st.mu.Lock()
					k.revoked = untried
					st.mu.Unlock()
					time.Sleep(5 * time.Millisecond)
					continue
				}
				if o == acked && string(res) != "true" {
					o, msg = faulted, "result "+string(res)
				}
				st.mu.Lock()
				switch o {
				case acked:
					k.revoked = acked
					st.revokedRPC++
				case unknown:
					st.inDoubt++
				}
				st.mu.Unlock()
				if o == faulted {
					st.fault("key unlink", msg)
				}
				break
			}
		}
	})

	// The killer.
	start := time.Now()
	for i := 0; i < kills; i++ {
		time.Sleep(time.Duration(200+rand.IntN(300)) * time.Millisecond)
		// Wait (briefly) for a request in flight, so that the kill lands
		// in the middle of one.
		for deadline := time.Now().Add(time.Second); inFlight.Load() == 0 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		if n := inFlight.Load(); n > 0 {
			st.killsInFlight++
			st.maxInFlightKill = max(st.maxInFlightKill, n)
		}
		srv.kill()
		// The last kill also lands under load: what it leaves is what
		// must hold.
		if i < kills-1 {
			srv.start()
		}
	}
	cancel()
	wg.Wait()
	makers.Wait()
	elapsed := time.Since(start)

	// The checks run on a fresh server, which opens the database after
	// the last kill as any restart does.
	srv.start()
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, f := range st.faults {
		t.Errorf("the server answered a valid request with an error: %s", f)
	}
	for _, f := range st.cliFailures {
		t.Errorf("a command beside the server failed: %s", f)
	}
	if st.creates == 0 || st.writes == 0 || len(st.keys) == 0 || st.revokedRPC == 0 || st.revokedCLI == 0 {
		t.Fatalf("the load did too little to prove anything: %d creations, %d writes, %d keys, %d+%d revocations",
			st.creates, st.writes, len(st.keys), st.revokedRPC, st.revokedCLI)
	}
	lost := 0

	// Partners: every acknowledged creation, with an acceptable name.
	c := client()
	for i := 0; i < len(st.partners); i += 200 {
		batch := st.partners[i:min(i+200, len(st.partners))]
		ids := make([]any, len(batch))
		for j, p := range batch {
			ids[j] = p.id
		}
		// search_read, not read: a lost partner must show as missing, not
		// fail the whole batch.
		res, o, msg := c.execute("res.partner", "search_read", []any{[]any{"id", "in", ids}}, []any{"name"})
		if o != acked {
			t.Fatalf("reading the partners back: %s", msg)
		}
		var rows []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		}
		if err := json.Unmarshal(res, &rows); err != nil {
			t.Fatal(err)
		}
		got := map[int64]string{}
		for _, r := range rows {
			got[r.ID] = r.Name
		}
		for _, p := range batch {
			name, ok := got[p.id]
			switch {
			case !ok:
				lost++
				t.Errorf("partner %d (%q): its creation was acknowledged, and it is gone", p.id, p.acked)
			case name != p.acked && !slices.Contains(p.pending, name):
				lost++
				t.Errorf("partner %d is named %q; the last acknowledged name is %q (in doubt: %q)", p.id, name, p.acked, p.pending)
			}
		}
	}

	// Keys: acknowledged ones work, acknowledged revocations hold.
	keys := make([]string, len(st.keys))
	for i, k := range st.keys {
		keys[i] = k.key
	}
	results := pyAuthenticateAll(t, srv.url(), dbName, "alice", keys)
	for i, k := range st.keys {
		switch {
		case k.revoked == acked && results[i] != "False":
			lost++
			t.Errorf("key %q was revoked (%s, acknowledged) and authenticates as %s", k.name, k.how, results[i])
		case k.revoked == untried && results[i] != alice:
			lost++
			t.Errorf("key %q was created (acknowledged) and authenticates as %s, want %s", k.name, results[i], alice)
		case k.revoked == unknown && results[i] != alice && results[i] != "False":
			t.Errorf("key %q, whose revocation is in doubt, authenticates as %s", k.name, results[i])
		}
	}
	srv.stop()

	// The audit log has each acknowledged change, written in the same
	// transaction; the SQLite file is sound.
	opened, err := storage.Open(context.Background(), storage.Options{DataDir: data, URL: crashDBURL(store), MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer opened.Store.Close()
	kinds := map[string]map[string]bool{}
	err = opened.Store.EachAudit(context.Background(), time.Time{}, func(e okapi.AuditEntry) error {
		if kinds[e.Kind] == nil {
			kinds[e.Kind] = map[string]bool{}
		}
		kinds[e.Kind][e.KeyName] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range st.keys {
		if !kinds[okapi.AuditKeyCreated][k.name] {
			t.Errorf("key %q: its creation was acknowledged and the audit log lacks it", k.name)
		}
		if k.revoked == acked && !kinds[okapi.AuditKeyRevoked][k.name] {
			t.Errorf("key %q: its revocation was acknowledged and the audit log lacks it", k.name)
		}
	}
	integrity := "not applicable"
	if dialect == "sqlite" {
		db := opened.Store.DB()
		integrity = "PRAGMA integrity_check ok, foreign_key_check ok"
		if err := sqlite.IntegrityCheck(context.Background(), db); err != nil {
			t.Errorf("after %d kills: %v", kills, err)
			integrity = "FAILED"
		}
		if n := foreignKeyViolations(t, db); n > 0 {
			t.Errorf("after %d kills: %d foreign-key violations", kills, n)
			integrity = "FAILED"
		}
	}
	checked := st.creates + st.writes + len(st.keys) + st.revokedRPC + st.revokedCLI
	t.Logf("%s: %d kills survived in %s (%d of them with requests in flight, up to %d at once), %d restarts",
		dialect, srv.kills, elapsed.Round(100*time.Millisecond), st.killsInFlight, st.maxInFlightKill, srv.starts-1)
	t.Logf("%s: acknowledged writes checked: %d (%d partner creations, %d partner writes, %d key creations, %d revocations: %d over JSON-RPC, %d by okapi key revoke); in doubt (answer lost in a kill, not checked): %d",
		dialect, checked, st.creates, st.writes, len(st.keys), st.revokedRPC+st.revokedCLI, st.revokedRPC, st.revokedCLI, st.inDoubt)
	t.Logf("%s: writes lost: %d; integrity: %s", dialect, lost, integrity)
}

// crashDBURL returns the --db of store args, "" for SQLite.
func crashDBURL(store []string) string {
	for i, a := range store {
		if a == "--db" && i+1 < len(store) {
			return store[i+1]
		}
	}
	return ""
}

// foreignKeyViolations runs SQLite's foreign-key check.
func foreignKeyViolations(t *testing.T, db *sqldb.DB) int {
	t.Helper()
	rows, err := db.R.Query(`PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// pyAuthenticateAll authenticates each key through Python's standard
// xmlrpc.client, in one process, and returns what each call returned
// ("False", or the user id). A refused key costs a password check on the
// server (Odoo tries the key as a password too), hence the threads.
func pyAuthenticateAll(t *testing.T, url, db, login string, keys []string) []string {
	t.Helper()
	cmd := exec.Command("python3", "-c", `
import json, sys, xmlrpc.client
from concurrent.futures import ThreadPoolExecutor
url, db, login = sys.argv[1:4]
def authenticate(key):
    common = xmlrpc.client.ServerProxy("{}/xmlrpc/2/common".format(url))
    return str(common.authenticate(db, login, key, {}))
with ThreadPoolExecutor(8) as pool:
    print(json.dumps(list(pool.map(authenticate, json.load(sys.stdin)))))
`, url, db, login)
	in, _ := json.Marshal(keys)
	cmd.Stdin = bytes.NewReader(in)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, errb.String())
	}
	var got []string
	if err := json.Unmarshal(out, &got); err != nil || len(got) != len(keys) {
		t.Fatalf("python printed %q (%v)", out, err)
	}
	return got
}
