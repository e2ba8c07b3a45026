package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
)

func newUserCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Create, list and archive users",
		Long:  "Manage users on the data folder (or --db database), even while a server runs on it.",
	}
	cmd.AddCommand(newUserCreateCmd(), newUserListCmd(), newUserArchiveCmd(true), newUserArchiveCmd(false), newUserPasswordCmd(),
		newUser2FACmd())
	return cmd
}

// readSecretArg takes a password from a flag value, or from stdin with "-".
func readSecretArg(v string, stdin io.Reader) (string, error) {
	if v != "-" {
		return v, nil
	}
	b, err := io.ReadAll(io.LimitReader(stdin, 4096))
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

func newUserCreateCmd() *cobra.Command {
	var sf storeFlags
	var req auth.UserRequest
	var portal bool
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a user",
		Long: `Create a user. Internal users (the default) may create API keys; --portal makes a
portal user (a customer); --admin an administrator, who may create persistent
keys and manage everyone's keys. "--password -" reads the password from stdin.`,
		Example: `  okapi user create --login alice --password 'correct horse' --name "Alice Anchor" --email alice@example.com
  okapi user create --login bot --name "Sync bot"        # no password: API keys only`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if req.Login == "" {
				return usagef("--login is required")
			}
			if portal && req.Admin {
				return usagef("a user cannot be both --portal and --admin")
			}
			pw, err := readSecretArg(req.Password, cmd.InOrStdin())
			if err != nil {
				return err
			}
			req.Password = pw
			if portal {
				req.Kind = okapi.KindPortal
			}
			c, err := sf.open(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			u, err := c.auth.CreateUser(cmd.Context(), nil, req)
			if err != nil {
				return err
			}
			kind := u.Kind()
			if u.Admin() {
				kind = "administrator"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Created %s user %q (id %d).\n", kind, u.Login, u.ID)
			return nil
		},
	}
	sf.register(cmd)
	f := cmd.Flags()
	f.StringVar(&req.Login, "login", "", "login (required, unique)")
	f.StringVar(&req.Password, "password", "", `password ("-" reads it from stdin; empty: no password login)`)
	f.StringVar(&req.Name, "name", "", "full name (default: the login)")
	f.StringVar(&req.Email, "email", "", "e-mail address")
	f.BoolVar(&portal, "portal", false, "a portal user (customer) instead of an internal one")
	f.BoolVar(&req.Admin, "admin", false, "an administrator")
	return cmd
}

func newUserListCmd() *cobra.Command {
	var sf storeFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List users",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := sf.open(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			users, err := c.auth.Users(cmd.Context(), nil)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				type row struct {
					ID     int64  `json:"id"`
					Login  string `json:"login"`
					Name   string `json:"name"`
					Email  string `json:"email"`
					Kind   string `json:"kind"`
					Admin  bool   `json:"admin"`
					Active bool   `json:"active"`
				}
				rows := []row{}
				for _, u := range users {
					rows = append(rows, row{u.ID, u.Login, u.Name, u.Email, u.Kind(), u.Admin(), u.Active})
				}
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tLOGIN\tNAME\tE-MAIL\tKIND\tADMIN\tACTIVE")
			for _, u := range users {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Login, u.Name, dash(u.Email), u.Kind(), yesNo(u.Admin()), yesNo(u.Active))
			}
			return tw.Flush()
		},
	}
	sf.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newUserArchiveCmd(archive bool) *cobra.Command {
	var sf storeFlags
	var login string
	use, short := "archive", "Archive a user: their keys and sessions stop working at once"
	if !archive {
		use, short = "restore", "Restore an archived user"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, u, err := sf.openUser(cmd.Context(), login)
			if err != nil {
				return err
			}
			defer c.Close()
			if err := c.auth.SetActive(cmd.Context(), nil, u.ID, !archive); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %q.\n", map[bool]string{true: "Archived", false: "Restored"}[archive], u.Login)
			return nil
		},
	}
	sf.register(cmd)
	cmd.Flags().StringVar(&login, "login", "", "the user's login (required)")
	cmd.MarkFlagRequired("login")
	return cmd
}

func newUserPasswordCmd() *cobra.Command {
	var sf storeFlags
	var login, password string
	cmd := &cobra.Command{
		Use:   "set-password",
		Short: "Set a user's password",
		Long: `Set a user's password. "--password -" reads it from stdin. As in Odoo, the user is logged
out of every browser (web sessions end); API keys keep working.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			pw, err := readSecretArg(password, cmd.InOrStdin())
			if err != nil {
				return err
			}
			if pw == "" {
				return usagef("--password is required (\"-\" reads it from stdin)")
			}
			c, u, err := sf.openUser(cmd.Context(), login)
			if err != nil {
				return err
			}
			defer c.Close()
			if err := c.auth.SetPassword(cmd.Context(), nil, u.ID, pw, ""); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Password of %q changed; their web sessions have ended.\n", u.Login)
			return nil
		},
	}
	sf.register(cmd)
	cmd.Flags().StringVar(&login, "login", "", "the user's login (required)")
	cmd.Flags().StringVar(&password, "password", "", `the new password ("-" reads it from stdin)`)
	cmd.MarkFlagRequired("login")
	return cmd
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
