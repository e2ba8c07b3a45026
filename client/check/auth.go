package check

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/client"
)

// webLoginNote answers the most common question about keys: they open the
// external API, not the web client's login.
const webLoginNote = "Tools must send the key to the external API (XML-RPC, JSON-RPC or JSON-2): the web client's login, /web/session/authenticate, accepts only passwords"

// checkAuth logs in over XML-RPC with the key (cleaned of what the key step
// found around it, so that the rest can still be checked).
func (r *runner) checkAuth(ctx context.Context) (*client.Client, bool) {
	c := r.newClient(client.XMLRPC, r.key.candidate)
	tctx, cancel := r.timeout(ctx)
	uid, err := c.Authenticate(tctx)
	cancel()
	switch {
	case err == nil:
		r.authAccepted(ctx, uid)
		return c, true
	case client.IsDatabaseNotFound(err):
		r.databaseMissing()
		r.set(StepAuth, Skip, "", "not checked: the database does not exist", nil, nil)
	case client.IsRateLimited(err):
		r.rateLimited()
	case client.IsAccessDenied(err):
		r.authRefused(ctx)
	default:
		class := ClassRefused
		var transport *url.Error
		if errors.As(err, &transport) {
			class = ClassURL // the network failed after the first request
		}
		r.set(StepAuth, Fail, class, "the login failed: "+err.Error(), nil, nil)
	}
	return nil, false
}

func (r *runner) authAccepted(ctx context.Context, uid int64) {
	r.rep.UID = uid
	if s := r.step(StepDatabase); s.Status == Skip {
		r.set(StepDatabase, OK, "", fmt.Sprintf("%q exists (the server hides its list; the login confirmed it)", r.db), nil, nil)
	}
	r.set(StepLogin, OK, "", fmt.Sprintf("%q exists (uid %d)", r.cfg.Login, uid), nil, nil)
	summary := fmt.Sprintf("accepted over XML-RPC (uid %d)", uid)
	var details []string
	switch {
	case !r.key.keyLike:
		summary = fmt.Sprintf("accepted as %s's password, not as an API key (uid %d)", r.cfg.Login, uid)
		r.rep.Guide = GuideFor(r.profile)
	case r.key.cleaned != "":
		summary = fmt.Sprintf("accepted once cleaned of %s (uid %d)", r.key.cleaned, uid)
	}
	status := OK
	var fix []string
	switch {
	case r.profile.JSON2 && r.key.keyLike:
		detail, refused := r.probeJSON2(ctx)
		details = append(details, detail)
		if refused {
			status = Warn
			fix = []string{"Check the web server or proxy in front of Odoo: it must pass the Authorization header on"}
		}
	case r.profile.JSON2:
		details = append(details, "JSON-2 (/json/2) will refuse it: it accepts API keys only")
	}
	if r.key.keyLike && r.profile.KeysExpire {
		detail, soon, renew := r.keyExpiry(ctx)
		details = append(details, detail)
		if soon {
			status = Warn
			fix = append(fix, renew)
		}
	}
	details = append(details, webLoginNote)
	r.set(StepAuth, status, "", summary, details, fix)
}

// expiryWarning is how close an expiry must be for the check to warn.
const expiryWarning = 7 * 24 * time.Hour

// keyExpiry says when an accepted key expires (Odoo 18+ deletes keys at
// expiry without notice, and a tool then stops working). Okapi tells the
// key's holder; real Odoo shows it only in the user's key list. soon is
// true when it expires within a week, and renew says what to do.
func (r *runner) keyExpiry(ctx context.Context) (detail string, soon bool, renew string) {
	label := `its "Expiration Date"`
	if r.profile.UI.Cards {
		label = `the "Expires on:" line of its card`
	}
	where := fmt.Sprintf("see %s in the %s section (%s)", label, r.profile.UI.Section, r.profile.Path())
	if !r.rep.Server.Okapi {
		return fmt.Sprintf("Keys expire in Odoo %d and are then deleted: to know when this one does, %s", r.profile.Version, where), false, ""
	}
	tctx, cancel := r.timeout(ctx)
	st, err := r.newClient(client.XMLRPC, r.key.candidate).KeyStatus(tctx)
	cancel()
	if err != nil || st.Status != client.KeyValid {
		return "When the key expires could not be learnt: " + where, false, ""
	}
	name := "The key"
	if st.KeyName != "" {
		name = fmt.Sprintf("The key %q", st.KeyName)
	}
	if st.Expires.IsZero() {
		return name + " never expires (a persistent key)", false, ""
	}
	left := time.Until(st.Expires)
	detail = fmt.Sprintf("%s expires on %s, %s; it is then deleted and the tool stops working", name, when(st.Expires, time.Time{}), inDays(left))
	if left > expiryWarning {
		return detail, false, ""
	}
	r.rep.Guide = GuideFor(r.profile)
	return detail, true, fmt.Sprintf("Create a new key before %s UTC and put it in the tool, as the guide shows (%s)",
		st.Expires.UTC().Format("2006-01-02 15:04"), r.profile.Path())
}

// inDays words a duration ahead in whole days, or hours under a day.
func inDays(d time.Duration) string {
	switch {
	case d < time.Hour:
		return "within the hour"
	case d < 24*time.Hour:
		return fmt.Sprintf("in %d hours", int(d.Hours()))
	case d < 48*time.Hour:
		return "in 1 day"
	}
	return fmt.Sprintf("in %d days", int(d.Hours()/24))
}

// probeJSON2 checks that the key also opens JSON-2, where it travels in the
// Authorization header, which some proxies drop; refused reports that JSON-2
// refused the key.
func (r *runner) probeJSON2(ctx context.Context) (detail string, refused bool) {
	tctx, cancel := r.timeout(ctx)
	defer cancel()
	_, err := r.newClient(client.JSON2, r.key.candidate).SearchCount(tctx, "res.partner", nil)
	switch {
	case err == nil || client.IsAccessError(err):
		return "JSON-2 (/json/2) accepts the key too", false
	case client.IsAccessDenied(err):
		return "JSON-2 (/json/2) refuses the key that XML-RPC accepts: something between you and Odoo may drop the Authorization header", true
	}
	return "JSON-2 (/json/2) could not be checked: " + err.Error(), false
}

func (r *runner) rateLimited() {
	r.set(StepAuth, Fail, ClassRateLimited, "refused for now: too many failed logins", nil,
		[]string{"Wait a minute, then try again; a tool retrying with a wrong key keeps the lock on"})
}

// authRefused finds out why the login was refused: exactly, from Okapi;
// as a list of likely causes, from Odoo.
func (r *runner) authRefused(ctx context.Context) {
	r.rep.Guide = GuideFor(r.profile)
	if !r.key.keyLike && r.secondFactorDue(ctx) {
		return
	}
	if r.rep.Server.Okapi && r.explainFromOkapi(ctx) {
		return
	}
	r.set(StepLogin, Skip, "", "cannot be checked from outside", []string{
		"Odoo answers an unknown login exactly like a wrong key, so that guessing teaches nothing"}, nil)
	what := "key"
	if !r.key.keyLike {
		what = "password"
	}
	r.rep.Causes = odooCauses(r.profile, causeFacts{keyLike: r.key.keyLike, login: r.cfg.Login,
		odooOnline: r.url.odooHost != "", dbKnown: r.dbKnown})
	r.set(StepAuth, Fail, ClassRefused, fmt.Sprintf("refused: Odoo does not accept this login and %s, and does not say why", what),
		[]string{"Possible causes, most likely first, are listed below"},
		[]string{"Create a new key, logged in as " + quote(r.cfg.Login) + ", as the guide below shows"})
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

// explainFromOkapi asks Okapi what state the key is in; it returns false
// when Okapi could not say.
func (r *runner) explainFromOkapi(ctx context.Context) bool {
	tctx, cancel := r.timeout(ctx)
	st, err := r.newClient(client.XMLRPC, r.key.candidate).KeyStatus(tctx)
	cancel()
	if client.IsRateLimited(err) {
		r.rateLimited()
		return true
	}
	if err != nil {
		return false
	}
	name := "the key"
	if st.KeyName != "" {
		name = fmt.Sprintf("the key %q", st.KeyName)
	}
	newKey := "Create a new key, logged in as " + quote(r.cfg.Login) + ", as the guide below shows"
	// Okapi names the key's owner to its holder: the login is known when
	// it is theirs.
	loginUnknown := func() {
		if st.Login != "" && st.Login == r.cfg.Login {
			r.set(StepLogin, OK, "", fmt.Sprintf("%q exists, and the key is theirs", r.cfg.Login), nil, nil)
			return
		}
		r.set(StepLogin, Skip, "", "not checked", []string{"Okapi tells about a login only the holder of one of its keys"}, nil)
	}
	switch st.Status {
	case client.KeyExpired:
		loginUnknown()
		r.set(StepAuth, Fail, ClassKeyState, fmt.Sprintf("refused: %s expired on %s", name, when(st.Expires, st.At)), nil, []string{newKey})
	case client.KeyRevoked:
		loginUnknown()
		r.set(StepAuth, Fail, ClassKeyState, fmt.Sprintf("refused: %s was revoked (deleted) on %s", name, when(st.At, time.Time{})), nil, []string{newKey})
	case client.KeyOtherUser:
		r.set(StepLogin, Warn, "", fmt.Sprintf("the key belongs to %q, not %q", st.Login, r.cfg.Login), nil, nil)
		r.set(StepAuth, Fail, ClassKeyState, fmt.Sprintf("refused: %s belongs to the user %q, not %q", name, st.Login, r.cfg.Login), nil,
			[]string{fmt.Sprintf("Log in as %q with this key, or create a key while logged in as %q", st.Login, r.cfg.Login)})
	case client.KeyArchivedUser:
		r.set(StepLogin, Warn, "", fmt.Sprintf("the key's user %q is archived", st.Login), nil, nil)
		r.set(StepAuth, Fail, ClassKeyState, fmt.Sprintf("refused: %s belongs to %q, whose account is archived", name, st.Login), nil,
			[]string{"An administrator can restore the user (Settings → Users, filter Archived)"})
	case client.KeyScoped:
		loginUnknown()
		r.set(StepAuth, Fail, ClassKeyState, fmt.Sprintf("refused: %s is limited to the scope %q, which does not open the external API", name, st.Scope), nil,
			[]string{"Such keys are made by plugins (Outlook, Gmail) for their own use: " + newKey})
	case client.KeyUnknownDatabase:
		r.databaseMissing()
		r.set(StepAuth, Skip, "", "not checked: the database does not exist", nil, nil)
	case client.KeyUnknown:
		loginUnknown()
		r.set(StepAuth, Fail, ClassRefused, "refused: this server does not know the key", []string{
			"It was mistyped, made on another server or in another database, or deleted long ago"}, []string{newKey})
	case client.KeyNotAKey:
		r.set(StepLogin, Skip, "", "cannot be checked", []string{"The server answers an unknown login exactly like a wrong password"}, nil)
		r.set(StepAuth, Fail, ClassRefused, "refused: the password (this is not a key) is wrong, or the login is", []string{
			"With two-factor authentication on, passwords are refused over the API in any case"}, []string{newKey})
	default:
		return false
	}
	return true
}

// when prints a time the way Odoo shows them, in UTC.
func when(t, alt time.Time) string {
	if t.IsZero() {
		t = alt
	}
	if t.IsZero() {
		return "an unknown date"
	}
	return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
}

// checkRights says what the user may do: internal or portal user, and
// whether they may read and create contacts, which most tools need.
func (r *runner) checkRights(ctx context.Context, c *client.Client) {
	tctx, cancel := r.timeout(ctx)
	defer cancel()
	recs, err := c.Read(tctx, "res.users", []int64{r.rep.UID}, "name", "login", "share")
	if err != nil || len(recs) != 1 {
		r.set(StepRights, Warn, "", "could not be checked: "+errText(err), nil, nil)
		return
	}
	u := recs[0]
	if name, _ := u["name"].(string); name != "" {
		r.step(StepLogin).Summary = fmt.Sprintf("%q is %s (uid %d)", r.cfg.Login, name, r.rep.UID)
	}
	read, errRead := c.CheckAccessRights(tctx, "res.partner", "read")
	create, errCreate := c.CheckAccessRights(tctx, "res.partner", "create")
	if err := errors.Join(errRead, errCreate); err != nil {
		r.set(StepRights, Warn, "", "could not be checked: "+err.Error(), nil, nil)
		return
	}
	if share, _ := u["share"].(bool); share {
		r.set(StepRights, Fail, ClassRights, "a portal user (a customer's account): sees only their own contact and the documents shared with them",
			[]string{fmt.Sprintf("contacts: read %s, create %s", yesNo(read), yesNo(create))},
			[]string{"Most tools need an internal user: ask an administrator for one (Settings → Users)"})
		return
	}
	switch {
	case read && create:
		r.set(StepRights, OK, "", "an internal user: may read and create contacts", nil, nil)
	case read && r.readOnlyKey(ctx):
		r.set(StepRights, OK, "", "a read-only key (scope "+okapi.ScopeRPCRead+"): may read contacts, and change nothing", []string{
			"Every create, write or delete through this key is refused; for a tool that writes, create a key without --read-only"}, nil)
	case read:
		r.set(StepRights, Warn, "", "an internal user: may read contacts, but not create them", []string{
			"Fine for a tool that only reads; otherwise an administrator can give the user the right to create contacts"}, nil)
	default:
		r.set(StepRights, Fail, ClassRights, "an internal user who may not read contacts", nil,
			[]string{"Ask an administrator to give the user access to Contacts"})
	}
}

// readOnlyKey reports whether Okapi says the key is a read-only one (real
// Odoo has none).
func (r *runner) readOnlyKey(ctx context.Context) bool {
	if !r.rep.Server.Okapi {
		return false
	}
	tctx, cancel := r.timeout(ctx)
	defer cancel()
	st, err := r.newClient(client.XMLRPC, r.key.candidate).KeyStatus(tctx)
	return err == nil && st.Status == client.KeyValid && st.Scope == okapi.ScopeRPCRead
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func errText(err error) string {
	if err == nil {
		return "no answer"
	}
	return err.Error()
}

// secondFactorDue tells the case of "my script stopped working when I
// enabled 2FA": the password is right, but with two-factor authentication
// on the external API accepts only API keys. It reports whether it was so.
func (r *runner) secondFactorDue(ctx context.Context) bool {
	tctx, cancel := r.timeout(ctx)
	due, err := r.newClient(client.JSONRPC, r.key.candidate).PasswordNeedsSecondFactor(tctx)
	cancel()
	if err != nil || !due {
		return false
	}
	r.set(StepLogin, OK, "", fmt.Sprintf("%q exists, and this is their password", r.cfg.Login), nil, nil)
	r.set(StepAuth, Fail, ClassKeyShape, "password refused because 2FA is on: use an API key", []string{
		fmt.Sprintf("Two-factor authentication is on for %q: Odoo then refuses the password over XML-RPC, JSON-RPC and JSON-2, and accepts only API keys", r.cfg.Login),
		"There is no need to turn two-factor authentication off: a key works with it on, and no code is asked of a key"},
		[]string{fmt.Sprintf("Create an API key, logged in as %q: %s, and give it to the tool in place of the password", r.cfg.Login, r.profile.Path())})
	return true
}
