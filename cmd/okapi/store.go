package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/gateway"
	"github.com/okapi-erp/okapi/secret"
	"github.com/okapi-erp/okapi/sqldb"
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
	f.IntVar(&sf.version, "odoo-version", 0, "Odoo version whose rules apply, 14..19 (default: the one the server last ran, else 19)")
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
	if sf.db == "" {
		if _, err := os.Stat(sf.data); err != nil {
			return nil, fmt.Errorf("no data folder at %s: start the server once (okapi serve --data %s), or give --data", sf.data, sf.data)
		}
	}
	hasher, _, err := storage.Pepper(sf.data, os.Getenv("OKAPI_SECRET"))
	if err != nil {
		return nil, err
	}
	opened, err := storage.Open(ctx, storage.Options{DataDir: sf.data, URL: sf.db, MustExist: true})
	if err != nil {
		return nil, err
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
	if err != nil {
		opened.Store.Close()
		return nil, usageError{err.Error()}
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
