package storetest

import (
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/sqldb"
	"github.com/okapi-erp/okapi/totp"
)

// testTOTP holds both databases to the two-factor contract: one secret per
// user, a time step spent once even when many nodes try at once, trusted
// devices found by hash until they expire or are revoked, and turning 2FA
// off taking the devices with it.
func testTOTP(t *testing.T, st *sqldb.Store) {
	u := mustUser(t, st, "tess", okapi.KindInternal, false)
	if u.TOTP {
		t.Fatal("a new user has 2FA on")
	}
	if ok, err := st.EnableTOTP(ctx, u.ID, "sealed-1", 100, okapi.AuditEntry{At: time.Now(), Kind: okapi.AuditTOTPEnabled, UserID: u.ID}); !ok || err != nil {
		t.Fatalf("EnableTOTP: %v %v", ok, err)
	}
	if ok, err := st.EnableTOTP(ctx, u.ID, "sealed-2", 0, okapi.AuditEntry{At: time.Now(), Kind: okapi.AuditTOTPEnabled, UserID: u.ID}); ok || err != nil {
		t.Fatalf("EnableTOTP twice: %v %v; want false", ok, err)
	}
	if got, _ := st.UserByID(ctx, u.ID); !got.TOTP {
		t.Fatal("the user read back has 2FA off")
	}
	if sealed, last, err := st.TOTPSecret(ctx, u.ID); sealed != "sealed-1" || last != 100 || err != nil {
		t.Fatalf("TOTPSecret = %q %d %v", sealed, last, err)
	}
	for _, c := range []struct {
		step int64
		want bool
	}{{100, false}, {99, false}, {101, true}, {101, false}, {103, true}, {102, false}} {
		if ok, err := st.SpendTOTPCounter(ctx, u.ID, c.step); ok != c.want || err != nil {
			t.Fatalf("spend step %d: %v %v; want %v", c.step, ok, err, c.want)
		}
	}
	// Many nodes given the same code at once: one accepts it.
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, err := st.SpendTOTPCounter(ctx, u.ID, 200); err != nil {
				t.Error(err)
			} else if ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("step 200 spent %d times by concurrent checks", wins.Load())
	}

	now := time.Now().UTC().Truncate(time.Second)
	d := &okapi.TrustedDevice{UserID: u.ID, Name: "Firefox on Linux", CreateDate: now, Expiration: now.Add(time.Hour)}
	if err := st.InsertDevice(ctx, d, "hash-a"); err != nil || d.ID == 0 || d.Scope != okapi.DeviceScope {
		t.Fatalf("InsertDevice: %v %+v", err, d)
	}
	old := &okapi.TrustedDevice{UserID: u.ID, Name: "old", CreateDate: now.Add(-2 * time.Hour), Expiration: now.Add(-time.Hour)}
	if err := st.InsertDevice(ctx, old, "hash-b"); err != nil {
		t.Fatal(err)
	}
	if got, err := st.DeviceByHash(ctx, "hash-a", now); err != nil || got.ID != d.ID || got.UserID != u.ID || got.Name != d.Name {
		t.Fatalf("DeviceByHash: %+v %v", got, err)
	}
	if _, err := st.DeviceByHash(ctx, "hash-b", now); err != okapi.ErrNotFound {
		t.Fatalf("an expired device was found: %v", err)
	}
	if list, err := st.ListDevices(ctx, u.ID, now); err != nil || len(list) != 1 || list[0].ID != d.ID {
		t.Fatalf("ListDevices: %v %v", list, err)
	}
	if n, err := st.DeleteDevices(ctx, u.ID+1000, d.ID); n != 0 || err != nil {
		t.Fatalf("another user's id deleted a device: %d %v", n, err)
	}
	if ok, err := st.DisableTOTP(ctx, u.ID, okapi.AuditEntry{At: now, Kind: okapi.AuditTOTPDisabled, UserID: u.ID}); !ok || err != nil {
		t.Fatalf("DisableTOTP: %v %v", ok, err)
	}
	if _, err := st.DeviceByHash(ctx, "hash-a", now); err != okapi.ErrNotFound {
		t.Fatal("a trusted device outlived 2FA")
	}
	if ok, _ := st.DisableTOTP(ctx, u.ID, okapi.AuditEntry{At: now, Kind: okapi.AuditTOTPDisabled, UserID: u.ID}); ok {
		t.Fatal("DisableTOTP twice reported true")
	}

	// Two services on one database, as two nodes: the same code, sent to
	// both at once, logs in once.
	clock := func() time.Time { return now }
	a, b := newService(t, st, 17, clock), newService(t, st, 17, clock)
	uri, err := a.EnableTOTPSecret(ctx, u.ID, "acme")
	if err != nil {
		t.Fatal(err)
	}
	pu, _ := url.Parse(uri)
	code, _ := totp.Code(pu.Query().Get("secret"), now)
	u2, _ := st.UserByID(ctx, u.ID)
	errs := make(chan error, 2)
	for _, s := range []*auth.Service{a, b} {
		go func() { errs <- s.CheckTOTP(ctx, u2, code, "127.0.0.1") }()
	}
	e1, e2 := <-errs, <-errs
	if (e1 == nil) == (e2 == nil) {
		t.Fatalf("one code on two nodes: %v and %v; want exactly one accepted", e1, e2)
	}
}
