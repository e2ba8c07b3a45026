package auth_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/secret"
	"github.com/okapi-erp/okapi/sqldb"
	"github.com/okapi-erp/okapi/storage"
	"github.com/okapi-erp/okapi/storetest"
)

// benchEnv is a service on a database holding n keys, and one more key
// whose secret the benchmark knows.
type benchEnv struct {
	s      *auth.Service
	key    string
	keyID  int64
	userID int64
}

func newBenchEnv(b *testing.B, dialect string, n int) *benchEnv {
	b.Helper()
	ctx := context.Background()
	o := storetest.Open(b, dialect)
	h, _ := secret.NewHasher(make([]byte, secret.PepperLen))
	s, err := auth.New(auth.Config{Profile: okapi.MustProfile(19), Store: o.Store, Hasher: h})
	if err != nil {
		b.Fatal(err)
	}
	u, err := s.CreateUser(ctx, nil, auth.UserRequest{Login: "alice"})
	if err != nil {
		b.Fatal(err)
	}
	fill(b, o, h, u.ID, n)
	key, k, err := s.CreateKey(ctx, nil, auth.KeyRequest{UserID: u.ID, Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	return &benchEnv{s: s, key: key, keyID: k.ID, userID: u.ID}
}

// fill stores n random keys in batches of one transaction each.
func fill(b *testing.B, o *storage.Opened, h *secret.Hasher, uid int64, n int) {
	ctx := context.Background()
	for done := 0; done < n; {
		batch := min(20000, n-done)
		err := o.Store.DB().Write(ctx, func(tx *sqldb.Tx) error {
			for i := 0; i < batch; i++ {
				raw := make([]byte, okapi.KeyBytes)
				rand.Read(raw)
				plain := hex.EncodeToString(raw)
				k := &okapi.Key{UserID: uid, Name: "filler", Index: okapi.KeyIndex(plain)}
				if err := sqldb.InsertKey(ctx, tx, k, h.KeyHash(plain)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		done += batch
	}
}

func benchDialects(b *testing.B) []string {
	if os.Getenv(storetest.EnvPostgres) != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// BenchmarkVerify measures a key check with 100,000 keys stored: "cached"
// is a key checked recently (one HMAC and a map lookup), "uncached" goes to
// the database (the cache entry is dropped before each check).
func BenchmarkVerify(b *testing.B) {
	for _, d := range benchDialects(b) {
		env := newBenchEnv(b, d, 100_000)
		ctx := context.Background()
		b.Run(d+"/cached", func(b *testing.B) {
			env.s.CheckBearer(ctx, env.key, "127.0.0.1")
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := env.s.CheckBearer(ctx, env.key, "127.0.0.1"); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(d+"/uncached", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				env.s.InvalidateKey(env.keyID)
				if _, err := env.s.CheckBearer(ctx, env.key, "127.0.0.1"); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(d+"/wrong", func(b *testing.B) {
			b.ReportAllocs()
			wrong := "ffffffff" + env.key[8:]
			for i := 0; i < b.N; i++ {
				if _, err := env.s.CheckBearer(ctx, wrong, ""); err == nil {
					b.Fatal("accepted")
				}
			}
		})
	}
}

// BenchmarkCreateKey measures making a key: randomness, hash, insert and
// audit entry in one transaction.
func BenchmarkCreateKey(b *testing.B) {
	for _, d := range benchDialects(b) {
		env := newBenchEnv(b, d, 100_000)
		ctx := context.Background()
		b.Run(d, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, _, err := env.s.CreateKey(ctx, nil, auth.KeyRequest{UserID: env.userID, Name: "k"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifyScale shows that an uncached check stays flat from 1,000 to
// 1,000,000 stored keys (the lookup is by the indexed 8-character prefix).
// OKAPI_BENCH_MAX_KEYS lowers the top size.
func BenchmarkVerifyScale(b *testing.B) {
	sizes := []int{1_000, 10_000, 100_000, 1_000_000}
	if v := os.Getenv("OKAPI_BENCH_MAX_KEYS"); v != "" {
		var max int
		fmt.Sscan(v, &max)
		for len(sizes) > 0 && sizes[len(sizes)-1] > max {
			sizes = sizes[:len(sizes)-1]
		}
	}
	ctx := context.Background()
	for _, n := range sizes {
		env := newBenchEnv(b, "sqlite", n)
		b.Run(fmt.Sprintf("keys=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				env.s.InvalidateKey(env.keyID)
				if _, err := env.s.CheckBearer(ctx, env.key, ""); err != nil {
					b.Fatal(err)
				}
			}
			_ = start
		})
	}
}
