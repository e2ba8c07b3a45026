package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// newUser2FACmd is `okapi user 2fa`: two-factor authentication turned on
// (for provisioning and tests) or off (a person who lost their phone).
func newUser2FACmd() *cobra.Command {
	var sf storeFlags
	var login, issuer string
	var enable, disable bool
	cmd := &cobra.Command{
		Use:   "2fa",
		Short: "Turn a user's two-factor authentication on or off",
		Long: `Turn a user's two-factor authentication (TOTP, as Odoo's auth_totp) on or off.

--enable makes a new secret and prints only its otpauth:// address: load it into an
authenticator app (or a QR code generator). It is shown this once; the server keeps it
encrypted. From then on the web login asks for a code, and the user's password no longer
works over XML-RPC, JSON-RPC or /web/session/authenticate: tools must use an API key.

--disable turns it off and forgets the user's trusted devices; their password works alone
again. People turn it on themselves in the web pages, where a code proves their app.`,
		Example: `  okapi user 2fa --login alice --enable > alice.otpauth
  okapi user 2fa --login alice --disable`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if enable == disable {
				return usagef("give one of --enable and --disable")
			}
			c, u, err := sf.openUser(cmd.Context(), login)
			if err != nil {
				return err
			}
			defer c.Close()
			if enable {
				uri, err := c.auth.EnableTOTPSecret(cmd.Context(), u.ID, issuer)
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), uri)
				return nil
			}
			was, err := c.auth.DisableTOTP(cmd.Context(), nil, u.ID, "")
			if err != nil {
				return err
			}
			if was {
				fmt.Fprintf(cmd.OutOrStdout(), "Two-factor authentication of %q is off; their trusted devices are forgotten.\n", u.Login)
			} else {
				fmt.Fprintf(cmd.OutOrStdout(), "Two-factor authentication of %q was not on.\n", u.Login)
			}
			return nil
		},
	}
	sf.register(cmd)
	cmd.Flags().StringVar(&login, "login", "", "the user's login (required)")
	cmd.Flags().BoolVar(&enable, "enable", false, "turn it on and print the otpauth:// address")
	cmd.Flags().BoolVar(&disable, "disable", false, "turn it off")
	cmd.Flags().StringVar(&issuer, "issuer", "okapi", "the name the authenticator app shows for this server")
	return cmd
}
