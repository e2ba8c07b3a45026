package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/gateway"
	"github.com/okapi-erp/okapi/secret"
	"github.com/okapi-erp/okapi/sqldb"
	"github.com/okapi-erp/okapi/sqlite"
	"github.com/okapi-erp/okapi/storage"
)

// storeFlags say where the data is; every command that touches it has them.
type storeFlags struct {
	data    string
	db      string
	version int
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func (sf *storeFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&sf.data, "data", envOr("OKAPI_DATA", "okapi-data"), "data folder: the SQLite database and the server secret ($OKAPI_DATA)")
	f.StringVar(&sf.db, "db", os.Getenv("OKAPI_DB"), "PostgreSQL URL (postgres://…); empty for SQLite in the data folder ($OKAPI_DB)")
	f.Var((*versionFlag)(&sf.version), "odoo-version", "Odoo version whose rules apply, 14..19 (default: the one the server last ran, else 19)")
}

// versionFlag is --odoo-version, checked as it is parsed: a version Okapi
// does not play is a mistake in the command line (exit status 2) in every
// command that takes it.
type versionFlag int

func (v *versionFlag) String() string {
	if *v == 0 {
		return ""
	}
	return strconv.Itoa(int(*v))
}

func (v *versionFlag) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("not a version number: choose one of 14 to 19")
	}
	if _, err := okapi.ProfileFor(n); err != nil {
		return err
	}
	*v = versionFlag(n)
	return nil
}

func (v *versionFlag) Type() string { return "int" }

// needDatabase says, naming the folder, that there is no SQLite database in
// data: the command line works only on a database a server has made.
func needDatabase(data string) error {
	file := filepath.Join(data, sqlite.FileName)
	_, err := os.Stat(file)
	switch {
	case err == nil:
		return nil
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("cannot read the Okapi database %s: %v", file, pathCause(err))
	}
	if fi, err := os.Stat(data); err != nil || !fi.IsDir() {
		return fmt.Errorf("no data folder at %s, so no Okapi database: start the server once (okapi serve --data %s), or give the server's --data folder", data, data)
	}
	return fmt.Errorf("no Okapi database in %s (no %s there): start the server once (okapi serve --data %s), or give the server's --data folder", data, sqlite.FileName, data)
}

// explainOpen says which database storage.Open found empty.
func explainOpen(err error, db string) error {
	if errors.Is(err, storage.ErrNoDatabase) && storage.IsPostgres(db) {
		// The URL may hold a password: it is not repeated.
		return fmt.Errorf("no Okapi database in the PostgreSQL database of --db yet: start the server once on it (okapi serve --db …)")
	}
	return err
}

// makeDataDir creates the data folder for a server, or says, naming it,
// why it cannot be used.
func makeDataDir(data string) error {
	if data == "" {
		return usagef("--data is empty: give the folder for the database and the server secret")
	}
	if fi, err := os.Stat(data); err == nil && !fi.IsDir() {
		return fmt.Errorf("data folder %s is a file, not a folder", data)
	}
	if err := os.MkdirAll(data, 0o700); err != nil {
		return fmt.Errorf("cannot create the data folder %s: %v", data, pathCause(err))
	}
	return nil
}

// pathCause is an error about a path without the path and the operation
// ("no such file or directory"), for messages that name the path themselves.
func pathCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// metaVersion is where a server records the version it plays, so that the
// command line applies the same rules.
const metaVersion = "odoo_version"

// cli is an opened store and the auth service on it, acting as the operator.
type cli struct {
	opened  *storage.Opened
	auth    *auth.Service
	profile *okapi.Profile
	hasher  *secret.Hasher
}

func (c *cli) Close() {
	c.auth.Close()
	c.opened.Store.Close()
}

// open opens the data for a command. The server secret must already exist
// when the database does: keys made with another secret would never verify.
func (sf *storeFlags) open(ctx context.Context) (*cli, error) {
	// Checked before the server secret is read: reading it creates it, and
	// a folder with no database must be left as it was.
	if sf.db == "" || sf.db == "sqlite" {
		if err := needDatabase(sf.data); err != nil {
			return nil, err
		}
	}
	hasher, _, err := storage.Pepper(sf.data, os.Getenv("OKAPI_SECRET"))
	if err != nil {
		return nil, err
	}
	opened, err := storage.Open(ctx, storage.Options{DataDir: sf.data, URL: sf.db, MustExist: true})
	if err != nil {
		return nil, explainOpen(err, sf.db)
	}
	if err := storage.CheckPepper(ctx, opened.Store, hasher); err != nil {
		opened.Store.Close()
		return nil, err
	}
	version := sf.version
	if version == 0 {
		version = 19
		if v, _ := opened.Store.Meta(ctx, metaVersion); v != "" {
			if n, err := strconv.Atoi(v); err == nil {
				version = n
			}
		}
	}
	prof, err := okapi.ProfileFor(version)
	if err != nil { // a version recorded by a newer server
		opened.Store.Close()
		return nil, err
	}
	if up, _ := opened.Store.Meta(ctx, metaGateway); up != "" {
		// A gateway's data: its rules (keys may expire in every version).
		if prof, err = gateway.Profile(version); err != nil {
			opened.Store.Close()
			return nil, err
		}
	}
	a, err := auth.New(auth.Config{Profile: prof, Store: opened.Store, Hasher: hasher, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		opened.Store.Close()
		return nil, err
	}
	return &cli{opened: opened, auth: a, profile: prof, hasher: hasher}, nil
}

// recordVersion stores the version a server plays.
func recordVersion(ctx context.Context, st *sqldb.Store, version int) error {
	return st.SetMeta(ctx, metaVersion, strconv.Itoa(version))
}

// userByLogin finds a user or explains that there is none.
func (c *cli) userByLogin(ctx context.Context, login string) (*okapi.User, error) {
	if login == "" {
		return nil, usagef("--login is required")
	}
	u, err := c.auth.UserByLogin(ctx, login)
	if err != nil {
		if okapi.ErrorCode(err) == okapi.EMissing {
			return nil, fmt.Errorf("no user with login %q", login)
		}
		return nil, err
	}
	return u, nil
}

// openUser opens the store and finds the user most commands act on; the
// caller closes the store.
func (sf *storeFlags) openUser(ctx context.Context, login string) (*cli, *okapi.User, error) {
	c, err := sf.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	u, err := c.userByLogin(ctx, login)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	return c, u, nil
}
