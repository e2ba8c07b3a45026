// Package storage opens the store a server or a command runs on: the
// embedded SQLite file in the data folder by default, or PostgreSQL when a
// postgres:// URL is given. It applies migrations and seeds a new database,
// creating the administrator.
package storage

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/okapi-erp/okapi/postgres"
	"github.com/okapi-erp/okapi/secret"
	"github.com/okapi-erp/okapi/sqldb"
	"github.com/okapi-erp/okapi/sqlite"
)

// Options say which database to open.
type Options struct {
	// DataDir holds the SQLite file and the server secret.
	DataDir string
	// URL is a postgres:// URL; empty means SQLite in DataDir.
	URL string
	// AdminPassword is the first administrator's password; empty means a
	// generated one, returned once by Open.
	AdminPassword string
	// AdminEmail is the administrator's e-mail in a new database (the
	// version profile's installation data).
	AdminEmail string
	// Synchronous is SQLite's synchronous setting (NORMAL or FULL).
	Synchronous string
	// MustExist refuses to create a new database: the command line works
	// on a database a server made, which printed the admin password.
	MustExist bool
}

// ErrNoDatabase is returned with MustExist when there is no database yet.
var ErrNoDatabase = fmt.Errorf("no Okapi database here yet: start the server once (okapi serve) to create it")

// Opened is an open store.
type Opened struct {
	Store *sqldb.Store
	// Postgres is true on PostgreSQL (several nodes may share it).
	Postgres bool
	// AdminPassword is set when this call created the database and
	// generated the administrator's password: print it once.
	AdminPassword string
	// Created reports that this call seeded a new database.
	Created bool
}

// IsPostgres reports whether url names a PostgreSQL database.
func IsPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// Open opens, migrates and (if new) seeds the database.
func Open(ctx context.Context, opt Options) (*Opened, error) {
	var (
		db   *sqldb.DB
		err  error
		seed sqldb.SeedOptions
		out  Opened
	)
	switch {
	case opt.URL == "" || opt.URL == "sqlite":
		if opt.DataDir == "" {
			return nil, fmt.Errorf("no data folder given")
		}
		if opt.MustExist {
			if _, err := os.Stat(filepath.Join(opt.DataDir, sqlite.FileName)); err != nil {
				return nil, ErrNoDatabase
			}
		}
		db, err = sqlite.Open(ctx, opt.DataDir, sqlite.Options{Synchronous: opt.Synchronous})
	case IsPostgres(opt.URL):
		db, err = postgres.Open(ctx, opt.URL)
		seed.Lock = postgres.SeedLock
		seed.ResetSequences = postgres.ResetSequences
		out.Postgres = true
	default:
		return nil, fmt.Errorf("unsupported database %q: give a postgres:// URL, or nothing for SQLite in the data folder", opt.URL)
	}
	if err != nil {
		return nil, err
	}
	st := sqldb.NewStore(db)
	done, err := st.Seeded(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	if !done && opt.MustExist {
		st.Close()
		return nil, ErrNoDatabase
	}
	if !done {
		pw := opt.AdminPassword
		generated := pw == ""
		if generated {
			pw = NewPassword()
		}
		seed.AdminHash, err = secret.HashPassword(ctx, pw)
		if err != nil {
			st.Close()
			return nil, err
		}
		seed.AdminEmail = opt.AdminEmail
		created, err := st.Seed(ctx, seed)
		if err != nil {
			st.Close()
			return nil, err
		}
		out.Created = created
		if created && generated {
			out.AdminPassword = pw
		}
	}
	out.Store = st
	return &out, nil
}

// NewPassword returns a random password for a generated account.
func NewPassword() string {
	b := make([]byte, 15)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Pepper loads the server secret: from env (hex) when set, else from the
// file secret.key in the data folder, created on first use. Nodes sharing a
// PostgreSQL database must share it (OKAPI_SECRET or the same file).
func Pepper(dataDir, env string) (*secret.Hasher, bool, error) {
	if env != "" {
		p, err := secret.ParsePepper(env)
		if err != nil {
			return nil, false, fmt.Errorf("OKAPI_SECRET: %w", err)
		}
		h, err := secret.NewHasher(p)
		return h, false, err
	}
	if dataDir == "" {
		return nil, false, fmt.Errorf("no data folder for the server secret")
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, false, err
	}
	p, created, err := secret.LoadOrCreatePepper(filepath.Join(dataDir, "secret.key"))
	if err != nil {
		return nil, false, err
	}
	h, err := secret.NewHasher(p)
	return h, created, err
}

// CheckPepper makes sure every process using the database hashes with the
// same secret: the first one records the secret's fingerprint, the others
// must match it, or every key would fail on some of them.
func CheckPepper(ctx context.Context, st *sqldb.Store, h *secret.Hasher) error {
	fp := h.Fingerprint()
	got, err := st.SetMetaOnce(ctx, "secret_fingerprint", fp)
	if err != nil {
		return err
	}
	if got != fp {
		return fmt.Errorf("this server secret does not match the one the database was made with: keys would not verify. " +
			"Use the same secret.key (or OKAPI_SECRET) on every node")
	}
	return nil
}
