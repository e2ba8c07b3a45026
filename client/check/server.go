package check

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/client"
)

// Versions Okapi knows the words of.
const (
	firstVersion = 14
	lastVersion  = 19
)

// checkVersion names the server and where keys are made in its version.
func (r *runner) checkVersion(ctx context.Context) {
	v := r.version
	r.rep.Server.ServerVersion, r.rep.Server.OdooVersion = v.ServerVersion, v.Major
	major := min(max(v.Major, firstVersion), lastVersion)
	r.profile = okapi.MustProfile(major)
	r.rep.Server.KeyPath = r.profile.Path()

	tctx, cancel := r.timeout(ctx)
	info, err := r.newClient(client.XMLRPC, "").OkapiInfo(tctx)
	cancel()
	r.rep.Server.Okapi = err == nil

	summary := "Odoo " + v.ServerVersion
	if r.rep.Server.Okapi {
		summary = "Okapi, playing Odoo " + v.ServerVersion
	}
	if r.rep.Server.Okapi && info.Gateway {
		// The gateway and its upstream: each must work.
		summary = "Okapi gateway in front of Odoo " + v.ServerVersion + " at " + info.Upstream
		if info.UpstreamError != "" {
			r.set(StepVersion, Fail, ClassURL, "Okapi gateway: it works, but its upstream does not answer",
				[]string{info.UpstreamError}, []string{"Ask the gateway's administrator: the upstream Odoo at " + info.Upstream + " is down or unreachable from the gateway"})
			return
		}
	}
	status := OK
	details := []string{"API keys are created at: " + r.profile.Path()}
	switch {
	case v.Major < firstVersion:
		status = Warn
		details = []string{fmt.Sprintf("Odoo %d has no API keys (they came with Odoo %d): tools log in with the password there", v.Major, firstVersion)}
	case v.Major > lastVersion:
		status = Warn
		details = append(details, fmt.Sprintf("Odoo %d is newer than the versions this checker knows (up to %d): the words shown are %d's", v.Major, lastVersion, lastVersion))
	}
	if r.profile.JSON2 {
		details = append(details, fmt.Sprintf("Odoo %d offers JSON-2 (/json/2) and deprecates XML-RPC and JSON-RPC: new tools should use JSON-2", r.profile.Version))
	}
	r.set(StepVersion, status, "", summary, details, nil)
}

// checkDatabase looks for the database in the server's list, when the
// server shows it; otherwise the login will tell.
func (r *runner) checkDatabase(ctx context.Context) bool {
	tctx, cancel := r.timeout(ctx)
	list, err := r.newClient(client.XMLRPC, "").ListDatabases(tctx)
	cancel()
	hidden := err != nil || len(list) == 0
	var hint []string
	if r.url.odooHost != "" {
		hint = []string{fmt.Sprintf("On Odoo Online the database is usually named like the address: %q", r.url.odooHost)}
	}
	switch {
	case r.db == "" && !hidden && len(list) == 1:
		r.db, r.rep.DB = list[0], list[0]
		r.dbKnown = true
		r.set(StepDatabase, Warn, "", fmt.Sprintf("no database given: the server has one, %q, which the checks use", r.db), nil,
			[]string{fmt.Sprintf("Most tools need the name: give %q", r.db)})
		return true
	case r.db == "" && !hidden:
		r.set(StepDatabase, Fail, ClassDatabase, "no database given, and the server has several: "+quoteList(list), nil,
			[]string{"Give the database with --db"})
		return false
	case r.db == "":
		r.set(StepDatabase, Fail, ClassDatabase, "no database given, and the server does not list its databases", nil,
			append([]string{"Give the database with --db: it is shown in the URL of the login page (?db=…) or by the administrator"}, hint...))
		return false
	case hidden:
		detail := "the server hides its list of databases (list_db = False), so the name is checked at login"
		if err != nil && !client.IsAccessDenied(err) {
			detail = "the list of databases could not be read (" + err.Error() + "), so the name is checked at login"
		}
		r.set(StepDatabase, Skip, "", fmt.Sprintf("%q: checked at login", r.db), []string{detail}, nil)
		return true
	case slices.Contains(list, r.db):
		r.dbKnown = true
		r.set(StepDatabase, OK, "", fmt.Sprintf("%q exists", r.db), nil, nil)
		return true
	}
	fix := []string{"Use one of: " + quoteList(list)}
	for _, name := range list {
		if strings.EqualFold(name, r.db) {
			fix = []string{fmt.Sprintf("Use %q: database names are case-sensitive", name)}
		}
	}
	r.set(StepDatabase, Fail, ClassDatabase, fmt.Sprintf("there is no database %q on this server", r.db), nil, append(fix, hint...))
	return false
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// databaseMissing records a database the login step found missing.
func (r *runner) databaseMissing() {
	var fix []string
	if r.url.odooHost != "" {
		fix = append(fix, fmt.Sprintf("On Odoo Online the database is usually named like the address: %q", r.url.odooHost))
	}
	fix = append(fix, "Check the name with the administrator: it is shown in the URL of the login page (?db=…)")
	r.set(StepDatabase, Fail, ClassDatabase, fmt.Sprintf("there is no database %q on this server", r.db), nil, fix)
}
