package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/policy"
)

func newKeyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Create, list and revoke API keys",
		Long: `Manage API keys on the data folder (or --db database), even while a server runs
on it: a revoked key is refused by the running server within a second.
The key itself is printed once, by "key create", and never again.`,
	}
	cmd.AddCommand(newKeyCreateCmd(), newKeyListCmd(), newKeyRevokeCmd(), newKeyRotateCmd())
	return cmd
}

// durations maps --duration to days (0: persistent).
var durations = map[string]int{"1d": 1, "7d": 7, "30d": 30, "90d": 90, "180d": 180, "365d": 365, "persistent": 0}

func newKeyCreateCmd() *cobra.Command {
	var sf storeFlags
	var login, name, scope, duration, expires string
	var models, allowIP, rate string
	var readOnly bool
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create an API key and print it (only the key, on stdout)",
		Long: `Create an API key for a user and print it on stdout — nothing else, so that
"okapi key create … > alice.key" stores just the key. It is never shown again.

Duration, per profile (--odoo-version, default the one the server plays):
  14 to 17  keys never expire; --duration and --expires are refused.
  18, 19    --duration 1d|7d|30d|90d|180d|365d|persistent, or --expires with a
            future RFC 3339 time. Without either the key is persistent (the
            operator may choose any duration for anyone; in the web pages users
            get their groups' limit).
Two keys of a user may share a name, as in Odoo; creating the second one warns
on stderr, since --name then no longer picks one key (use --id).

--read-only makes a key for the external API that may read (search, read,
search_read, fields_get…) and never create, change or delete: scope "rpc.read".
Odoo has no such key (its keys carry all the access of their user); a call that
writes gets an access error naming the key as read-only.

A key may be limited further, on okapi serve and okapi gateway alike:
--models (the models it may call), --allow-ip (the addresses or CIDRs it may
be used from) and --rate (calls per second or minute, with an optional burst:
20/s, 600/m, 5/s:10). A refused call is an access error naming the rule; an
exceeded rate is HTTP 429 with Retry-After. Each server node counts the rate
on its own.`,
		Example: `  okapi key create --login alice --name "Outlook add-in" > alice.key
  okapi key create --login alice --name "nightly sync" --duration 90d
  okapi key create --login alice --name "Power BI" --read-only > powerbi.key
  okapi key create --login alice --name "Power BI" --read-only \
      --models res.partner,crm.lead --allow-ip 10.0.0.0/8 --rate 20/s --duration 90d > powerbi.key
  okapi key create --login bot --name plugin --scope odoo.plugin.outlook --expires 2027-01-31T00:00:00Z`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if name == "" {
				return usagef("--name is required: it is the only way to identify the key later")
			}
			if readOnly {
				if scope != "" {
					return usagef("--read-only and --scope cannot be combined: --read-only is the scope %q", okapi.ScopeRPCRead)
				}
				scope = okapi.ScopeRPCRead
			}
			pol, err := policy.Parse(models, allowIP, rate)
			if err != nil {
				return usagef("%v", err)
			}
			req := auth.KeyRequest{Name: name, Scope: scope, Policy: pol}
			if req.Days, req.Expires, _, err = expiryFlags(duration, expires); err != nil {
				return err
			}
			c, u, err := sf.openUser(cmd.Context(), login)
			if err != nil {
				return err
			}
			defer c.Close()
			req.UserID = u.ID
			same, err := c.namesakes(cmd.Context(), u.ID, name)
			if err != nil {
				return err
			}
			key, k, err := c.auth.CreateKey(cmd.Context(), nil, req)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), key)
			if len(same) > 0 {
				// Odoo allows it; but "revoke --name" and "rotate --name" no
				// longer know which key is meant.
				fmt.Fprintf(cmd.ErrOrStderr(), "okapi: warning: %s now has %d keys named %q (ids %s, %d): revoke or rotate one with --id\n",
					u.Login, len(same)+1, name, keyIDs(same), k.ID)
			}
			return nil
		},
	}
	sf.register(cmd)
	f := cmd.Flags()
	f.StringVar(&login, "login", "", "owner's login (required)")
	f.StringVar(&name, "name", "", "what the key is for (required)")
	cmd.MarkFlagRequired("login")
	f.StringVar(&scope, "scope", "", "limit the key to a scope (empty: every scope, like keys made in the web pages; \"rpc\": the external API)")
	f.BoolVar(&readOnly, "read-only", false, "a key for the external API that may read and never write (scope \"rpc.read\")")
	f.StringVar(&duration, "duration", "", "1d, 7d, 30d, 90d, 180d, 365d or persistent (Odoo 18+; without it or --expires: persistent)")
	f.StringVar(&expires, "expires", "", "expiration time, RFC 3339 (Odoo 18+)")
	f.StringVar(&models, "models", "", "the models the key may call, comma-separated (default: any)")
	f.StringVar(&allowIP, "allow-ip", "", "the addresses or CIDRs the key may be used from, comma-separated (default: anywhere)")
	f.StringVar(&rate, "rate", "", "calls the key may make: 20/s, 600/m, 5/s:10 (burst 10) (default: unlimited)")
	return cmd
}

// expiryFlags reads --duration and --expires: days (0 persistent, -1 the
// date in expires), and whether either was given.
func expiryFlags(duration, expires string) (days int, at time.Time, given bool, err error) {
	switch {
	case duration != "" && expires != "":
		return 0, at, false, usagef("give --duration or --expires, not both")
	case duration != "":
		d, ok := durations[duration]
		if !ok {
			return 0, at, false, usagef("--duration must be one of 1d, 7d, 30d, 90d, 180d, 365d, persistent")
		}
		return d, at, true, nil
	case expires != "":
		t, err := time.Parse(time.RFC3339, expires)
		if err != nil {
			return 0, at, false, usagef("--expires must be an RFC 3339 time such as 2027-01-31T00:00:00Z")
		}
		if !t.After(time.Now()) {
			// A key that is dead when printed is a mistake, as in Odoo,
			// which refuses an expiration date that is not in the future.
			return 0, at, false, usagef("--expires %s is not in the future: the key would never work", expires)
		}
		return -1, t, true, nil
	}
	return 0, at, false, nil
}

func newKeyListCmd() *cobra.Command {
	var sf storeFlags
	var login string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List API keys (never the keys themselves)",
		Long: `List API keys: id, index prefix, name, user, scope, created, expires, last use. The
secret is not stored, so it cannot be shown. A key past its expiration date is
marked EXPIRED ("expired": true in JSON): it no longer works, and the server
deletes it at its next hourly clean-up.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := sf.open(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			var uid int64
			if login != "" {
				u, err := c.userByLogin(cmd.Context(), login)
				if err != nil {
					return err
				}
				uid = u.ID
			}
			keys, err := c.auth.Keys(cmd.Context(), nil, uid)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			now := time.Now()
			if asJSON {
				type row struct {
					ID       int64  `json:"id"`
					Index    string `json:"index"`
					Name     string `json:"name"`
					Login    string `json:"login"`
					Scope    string `json:"scope,omitempty"`
					Created  string `json:"created"`
					Expires  string `json:"expires,omitempty"`
					LastUsed string `json:"last_used,omitempty"`
					LastIP   string `json:"last_used_ip,omitempty"`
					Expired  bool   `json:"expired,omitempty"`
					Models   string `json:"models,omitempty"`
					AllowIP  string `json:"allow_ip,omitempty"`
					Rate     string `json:"rate,omitempty"`
				}
				rows := []row{}
				for _, k := range keys {
					r := row{ID: k.ID, Index: k.Index, Name: k.Name, Login: k.Login, Scope: k.Scope, Created: stamp(k.CreateDate),
						Expires: stampOr(k.ExpirationDate, ""), LastUsed: stampOr(k.LastUsed, ""), LastIP: k.LastUsedIP,
						Expired: expired(k, now)}
					if p := k.Policy; p != nil {
						r.Models, r.AllowIP, r.Rate = p.ModelsText(), p.NetsText(), p.RateText()
					}
					rows = append(rows, r)
				}
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tINDEX\tNAME\tUSER\tSCOPE\tPOLICY\tCREATED\tEXPIRES\tLAST USED")
			for _, k := range keys {
				last := stampOr(k.LastUsed, "never")
				if k.LastUsedIP != "" {
					last += " from " + k.LastUsedIP
				}
				expires := stampOr(k.ExpirationDate, "never")
				if expired(k, now) {
					// Refused already; the server deletes it at its next
					// clean-up (hourly), as Odoo's daily one does.
					expires += " EXPIRED"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Index, k.Name, k.Login, dash(k.Scope), dash(k.Policy.String()),
					stamp(k.CreateDate), expires, last)
			}
			return tw.Flush()
		},
	}
	sf.register(cmd)
	cmd.Flags().StringVar(&login, "login", "", "only this user's keys")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// expired reports a key past its expiration date: it no longer works.
func expired(k *okapi.Key, now time.Time) bool {
	return !k.ExpirationDate.IsZero() && !k.ExpirationDate.After(now)
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") }

func stampOr(t time.Time, none string) string {
	if t.IsZero() {
		return none
	}
	return stamp(t)
}

func newKeyRevokeCmd() *cobra.Command {
	var sf storeFlags
	var login, name string
	var id int64
	cmd := &cobra.Command{
		Use:   "revoke",
		Short: "Revoke an API key: it stops working at once",
		Example: `  okapi key revoke --login alice --name "Outlook add-in"
  okapi key revoke --id 42`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if id == 0 && (login == "" || name == "") {
				return usagef("give --id, or --login and --name")
			}
			c, err := sf.open(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			if id == 0 {
				keys, err := c.keysNamed(cmd.Context(), login, name)
				if err != nil {
					return err
				}
				if len(keys) > 1 {
					return fmt.Errorf("%s has %d keys named %q (ids %s): revoke one with --id", login, len(keys), name, keyIDs(keys))
				}
				id = keys[0].ID
			}
			k, err := c.auth.RevokeKey(cmd.Context(), nil, id, "")
			if err != nil {
				if okapi.ErrorCode(err) == okapi.EMissing {
					return fmt.Errorf("no key with id %d", id)
				}
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Revoked key %d %q of %s.\n", k.ID, k.Name, k.Login)
			return nil
		},
	}
	sf.register(cmd)
	cmd.Flags().StringVar(&login, "login", "", "owner's login (with --name)")
	cmd.Flags().StringVar(&name, "name", "", "the key's name (with --login)")
	cmd.Flags().Int64Var(&id, "id", 0, "the key's id (see okapi key list)")
	return cmd
}

// keysNamed returns login's keys named name, newest first; none is an error.
func (c *cli) keysNamed(ctx context.Context, login, name string) ([]*okapi.Key, error) {
	u, err := c.userByLogin(ctx, login)
	if err != nil {
		return nil, err
	}
	out, err := c.namesakes(ctx, u.ID, name)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s has no key named %q (see okapi key list --login %s)", login, name, login)
	}
	return out, nil
}

// namesakes returns a user's keys named name, newest first.
func (c *cli) namesakes(ctx context.Context, uid int64, name string) ([]*okapi.Key, error) {
	keys, err := c.auth.Keys(ctx, nil, uid)
	if err != nil {
		return nil, err
	}
	var out []*okapi.Key
	for _, k := range keys {
		if k.Name == name {
			out = append(out, k)
		}
	}
	return out, nil
}

func keyIDs(keys []*okapi.Key) string {
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = fmt.Sprint(k.ID)
	}
	return strings.Join(ids, ", ")
}

func newKeyRotateCmd() *cobra.Command {
	var sf storeFlags
	var login, name, duration, expires string
	var id int64
	var overlap time.Duration
	cmd := &cobra.Command{
		Use:   "rotate",
		Short: "Replace an API key with a new one, the old one working on for a while",
		Long: `Replace an API key with a new one of the same user, name and scope, and print the
new key on stdout (only the key, as "key create" does). The old key keeps working
for --overlap (24h by default), time to put the new key in the tools that use it,
then stops; --overlap 0 revokes it at once. The overlap never lengthens the old
key's life. When and which key ends is said on stderr and in the audit log.

The new key lasts as long as the old one did (a persistent key stays
persistent), unless --duration or --expires says otherwise. With --login and
--name the newest key of that name is rotated: during an overlap the old and the
new key share the name. Before Odoo 18 keys have no expiry in the pages, and an
overlap shows only in "okapi key list".`,
		Example: `  okapi key rotate --login alice --name "Outlook add-in" > alice.key
  okapi key rotate --id 42 --overlap 1h --duration 90d > bot.key
  okapi key rotate --login bot --name sync --overlap 0 > bot.key   # the old key stops now`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if id == 0 && (login == "" || name == "") {
				return usagef("give --id, or --login and --name")
			}
			if overlap < 0 {
				return usagef("--overlap cannot be negative")
			}
			days, at, given, err := expiryFlags(duration, expires)
			if err != nil {
				return err
			}
			c, err := sf.open(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			if id == 0 {
				keys, err := c.keysNamed(cmd.Context(), login, name)
				if err != nil {
					return err
				}
				id = keys[0].ID // newest first
			}
			rot, err := c.auth.RotateKey(cmd.Context(), nil, id, auth.RotateRequest{Overlap: overlap, Keep: !given, Days: days, Expires: at})
			if err != nil {
				if okapi.ErrorCode(err) == okapi.EMissing {
					return fmt.Errorf("no key with id %d", id)
				}
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), rot.Secret)
			ends := "stops working now"
			if overlap > 0 {
				ends = "works until " + stamp(rot.OldEnds) + " UTC"
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "New key %d %q of %s (%s); the old key %d %s.\n",
				rot.New.ID, rot.New.Name, rot.New.Login, expiryWords(rot.New.ExpirationDate), rot.Old.ID, ends)
			return nil
		},
	}
	sf.register(cmd)
	f := cmd.Flags()
	f.StringVar(&login, "login", "", "owner's login (with --name)")
	f.StringVar(&name, "name", "", "the key's name (with --login)")
	f.Int64Var(&id, "id", 0, "the key's id (see okapi key list)")
	f.DurationVar(&overlap, "overlap", 24*time.Hour, "how long the old key keeps working (0: revoke it now)")
	f.StringVar(&duration, "duration", "", "the new key's duration: 1d, 7d, 30d, 90d, 180d, 365d or persistent (default: the old key's)")
	f.StringVar(&expires, "expires", "", "the new key's expiration time, RFC 3339")
	return cmd
}

func expiryWords(t time.Time) string {
	if t.IsZero() {
		return "persistent"
	}
	return "expires " + stamp(t) + " UTC"
}
