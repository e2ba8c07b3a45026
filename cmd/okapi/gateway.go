package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/okapi-erp/okapi/client"
	"github.com/okapi-erp/okapi/gateway"
)

// metaGateway records, in a gateway's database, the upstream it stands in
// front of: the command line then applies the gateway's rules (keys may
// expire whatever the upstream's version).
const (
	metaGateway   = "gateway_upstream"
	metaGatewayDB = "gateway_upstream_db"
)

func newGatewayCmd() *cobra.Command {
	var o serveOpts
	var g gateway.Config
	var protocol string
	cmd := &cobra.Command{
		Use:   "gateway",
		Short: "Run Okapi's key system in front of a real Odoo (14–19)",
		Long: `Run Okapi as a gateway in front of an Odoo you keep: tools connect to the gateway
exactly as to Odoo (XML-RPC, JSON-RPC, and JSON-2 when the upstream is 19+),
with gateway keys that Okapi checks — revocable at once, expiring, read-only,
limited to models, addresses and a rate, audited — and each call is forwarded
to the upstream with the user's linked Odoo key (okapi upstream link) in place
of the gateway key. version() and authenticate answer the upstream's version
and uid; the upstream's answers and faults come back as they came.

An upstream that is down, slow (--upstream-timeout) or answers garbage gets an
Odoo-shaped error saying it is unreachable and why. TLS is verified
(--upstream-ca for a private CA). Credentials the gateway does not know are
refused, unless --passthrough forwards them unchanged (still under the cooldown,
the audit, and a rate per login). The e-mail add-ins' routes (/mail_plugin,
/mail_client_extension) and the web client's session routes (/web/session,
/web/dataset, /web/webclient) are passed to the upstream unchanged.

Users are made with okapi user create, linked with okapi upstream link, and
given keys with okapi key create; or they log in to the gateway's /web/login
with their Odoo login and password (checked by the upstream, never stored),
paste their Odoo key on the security tab, and make keys there with a policy. Several gateway nodes may share one
PostgreSQL database (--db), as okapi serve nodes do.`,
		Example: `  okapi gateway --upstream https://odoo.example.com --upstream-db prod --addr :8069 --data ./gw
  okapi upstream link --data ./gw --login alice < alice-odoo.key
  okapi key create --data ./gw --login alice --name "Power BI" --read-only \
      --models res.partner,crm.lead --allow-ip 10.0.0.0/8 --rate 20/s --duration 90d`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if g.URL == "" || g.DB == "" {
				return usagef("--upstream and --upstream-db are required")
			}
			switch protocol {
			case "auto", "":
				g.Protocol = client.Auto
			case "xmlrpc", "jsonrpc", "json2":
				g.Protocol = client.Protocol(protocol)
			default:
				return usagef("--upstream-protocol: want xmlrpc, jsonrpc, json2 or auto")
			}
			if !cmd.Flags().Changed("db-name") {
				// Tools give the gateway the upstream's database name.
				o.cfg.DBName = g.DB
			}
			cfg, err := o.config(cmd)
			if err != nil {
				return err
			}
			g.Log = cfg.Log
			cfg.Gateway = &g
			return serve(cmd.Context(), cfg, cmd.OutOrStdout())
		},
	}
	o.register(cmd)
	f := cmd.Flags()
	f.StringVar(&g.URL, "upstream", "", "the upstream Odoo's URL, e.g. https://odoo.example.com (required)")
	f.StringVar(&g.DB, "upstream-db", "", "the upstream's database (required); also the name tools give the gateway unless --db-name says otherwise")
	f.DurationVar(&g.Timeout, "upstream-timeout", 30*time.Second, "how long a forwarded call may take")
	f.StringVar(&g.CAFile, "upstream-ca", "", "PEM file of the CA the upstream's TLS certificate must chain to (default: the system's)")
	f.StringVar(&protocol, "upstream-protocol", "auto", "how calls are forwarded: xmlrpc, jsonrpc, json2 or auto")
	f.BoolVar(&g.PassThrough, "passthrough", false, "forward credentials the gateway does not know unchanged (still with cooldown, audit and a rate per login)")
	f.Float64Var(&g.PassThroughRate, "passthrough-rate", 10, "calls per second per login passed through")
	return cmd
}
