package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/gateway"
)

func newUpstreamCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "upstream",
		Short: "Link gateway users to the users of the upstream Odoo",
		Long: `Manage the links of okapi gateway: each gateway user is linked to a user of the
upstream Odoo, whose API key the gateway forwards calls with. Several gateway
users may share one upstream user (a bot account), each with their own
gateway keys. The Odoo key is stored sealed under the server secret and is
never shown again.`,
	}
	cmd.AddCommand(newUpstreamLinkCmd(), newUpstreamListCmd(), newUpstreamUnlinkCmd())
	return cmd
}

// upstreamOf reads where the gateway's upstream is, recorded by its start.
func (c *cli) upstreamOf(ctx context.Context) (url, db string, err error) {
	url, _ = c.opened.Store.Meta(ctx, metaGateway)
	db, _ = c.opened.Store.Meta(ctx, metaGatewayDB)
	if url == "" || db == "" {
		return "", "", errors.New("this data has no upstream: start okapi gateway --upstream URL --upstream-db DB on it first")
	}
	return url, db, nil
}

func newUpstreamLinkCmd() *cobra.Command {
	var sf storeFlags
	var login, upLogin, caFile string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "link",
		Short: "Link a gateway user to an upstream user, with that user's Odoo API key on stdin",
		Long: `Read the upstream user's Odoo API key from stdin, check it against the upstream
(common.authenticate with --upstream-login, by default the same login), and
record the upstream uid and the key, sealed under the server secret. Linking
again replaces the link. The key is never printed, logged or put in an error.`,
		Example: `  okapi upstream link --data ./gw --login alice < alice-odoo.key
  okapi upstream link --data ./gw --login powerbi --upstream-login bot@example.com < bot-odoo.key`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			key, err := readKey(cmd.InOrStdin())
			if err != nil {
				return err
			}
			c, u, err := sf.openUser(ctx, login)
			if err != nil {
				return err
			}
			defer c.Close()
			url, db, err := c.upstreamOf(ctx)
			if err != nil {
				return err
			}
			if upLogin == "" {
				upLogin = login
			}
			hc, err := gateway.HTTPClient(caFile)
			if err != nil {
				return err
			}
			sealer, err := gateway.NewSealer(c.hasher)
			if err != nil {
				return err
			}
			// The same check and storage as the gateway's own page, where
			// a user pastes their key.
			linker := &gateway.Linker{URL: url, DB: db, HTTP: hc, Timeout: timeout, Sealer: sealer, Store: c.opened.Store}
			l, err := linker.Link(ctx, gateway.LinkRequest{User: u, UpstreamLogin: upLogin, Key: key})
			if okapi.ErrorCode(err) == okapi.EAccessDenied {
				return fmt.Errorf("the upstream %s (database %q) refused login %q with this key: check the login (--upstream-login) and the key", url, db, upLogin)
			}
			if err != nil {
				return fmt.Errorf("checking the key against the upstream %s: %s", url, okapi.ErrorMessage(err))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Linked %s to the upstream user %q (uid %d) of %s.\n", u.Login, l.UpstreamLogin, l.UpstreamUID, url)
			return nil
		},
	}
	sf.register(cmd)
	f := cmd.Flags()
	f.StringVar(&login, "login", "", "the gateway user's login (required)")
	f.StringVar(&upLogin, "upstream-login", "", "the upstream user's login (default: --login)")
	f.StringVar(&caFile, "upstream-ca", "", "PEM file of the upstream's CA (default: the system's)")
	f.DurationVar(&timeout, "upstream-timeout", 30*time.Second, "how long the check may take")
	return cmd
}

// readKey reads one key from r: the first line, trimmed. It never echoes it.
func readKey(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", err
	}
	key := strings.TrimSpace(line)
	if key == "" {
		return "", usagef("give the upstream user's Odoo API key on stdin, e.g. okapi upstream link --login alice < alice-odoo.key")
	}
	return key, nil
}

func newUpstreamListCmd() *cobra.Command {
	var sf storeFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the links to upstream users (never the keys)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := sf.open(ctx)
			if err != nil {
				return err
			}
			defer c.Close()
			links, err := c.opened.Store.UpstreamLinks(ctx)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				type row struct {
					Login         string `json:"login"`
					UpstreamLogin string `json:"upstream_login"`
					UpstreamUID   int64  `json:"upstream_uid"`
					Linked        string `json:"linked"`
				}
				rows := []row{}
				for _, l := range links {
					rows = append(rows, row{l.Login, l.UpstreamLogin, l.UpstreamUID, stamp(l.CreateDate)})
				}
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "LOGIN\tUPSTREAM LOGIN\tUPSTREAM UID\tLINKED")
			for _, l := range links {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", l.Login, l.UpstreamLogin, l.UpstreamUID, stamp(l.CreateDate))
			}
			return tw.Flush()
		},
	}
	sf.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newUpstreamUnlinkCmd() *cobra.Command {
	var sf storeFlags
	var login string
	cmd := &cobra.Command{
		Use:   "unlink",
		Short: "Remove a gateway user's link: their calls are refused within a second, on every node",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, u, err := sf.openUser(ctx, login)
			if err != nil {
				return err
			}
			defer c.Close()
			audit := okapi.AuditEntry{At: time.Now().UTC(), Kind: okapi.AuditUpstreamUnlinked, UserID: u.ID, Login: u.Login}
			if err := c.opened.Store.UnlinkUpstream(ctx, u.ID, audit); err != nil {
				if errors.Is(err, okapi.ErrNotFound) {
					return fmt.Errorf("%s has no upstream link", u.Login)
				}
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Unlinked %s from the upstream.\n", u.Login)
			return nil
		},
	}
	sf.register(cmd)
	cmd.Flags().StringVar(&login, "login", "", "the gateway user's login (required)")
	return cmd
}
