package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
)

// surface is a place where keys are listed, created and revoked: the
// preferences dialog, the portal's /my/security page, and Settings → Manage
// API Keys. Each draws its own page; the steps are the same everywhere:
// the identity check, the "New API Key" dialog, "API Key Ready" shown once,
// and the revocation.
type surface struct {
	level access
	// base+"/identity" is the identity check.
	base string
	// keys+"/new" is the "New API Key" dialog, POST keys creates and shows
	// the key in its answer, keys+"/ready" is where that answer's address
	// goes afterwards (it says the key was shown), POST keys+"/{id}/delete"
	// revokes.
	keys string
	// back is where Cancel, Done! and a revocation return.
	back   string
	create bool
	// devices: the page has "Log out from all devices" (17+), behind the
	// same identity check; POST base+"/devices/logout" does it.
	devices bool
	// totp: the page has the two-factor section, whose actions pass the
	// same identity check (totp.go).
	totp bool
	// upstream: on a gateway, the page has the "Odoo account" section,
	// whose link and unlink pass the same identity check (gateway.go).
	upstream bool
	// Words of the dialogs, which differ between the web client and the
	// portal's own dialogs.
	identityTitle          string
	generate, cancel, done string
	// durations returns the duration selector's options (nil: none, the
	// key gets defaultDays).
	durations   func(auth.KeyPolicy) []okapi.Duration
	defaultDays int
	// show draws the surface's page with a dialog open over it.
	show func(rq *request, status int, d *Dialogs) error
}

// Dialogs are the dialogs a page may have open over it; at most one is set.
type Dialogs struct {
	Identity *IdentityDialog
	NewKey   *NewKeyDialog
	Ready    *ReadyDialog
	Password *PasswordDialog
	TOTP     *TOTPDialog // two-factor activation (totp.go)
	Link     *LinkDialog // "Link your Odoo key" (gateway.go)
}

// Open reports whether a dialog is open.
func (d Dialogs) Open() bool {
	return d.Identity != nil || d.NewKey != nil || d.Ready != nil || d.Password != nil || d.TOTP != nil || d.Link != nil
}

// IdentityDialog is Odoo's identity check ("Security Control", 19 "Access
// Control"): the password again before a sensitive action.
type IdentityDialog struct {
	Title       string
	Heading     string
	Placeholder string
	Cancel      string
	Action      string
	CancelURL   string
	Do          string // what runs once the password is right: "new", "delete" or "devices"
	KeyID       int64
	Error       string
	// Text and Submit replace the check's usual words where a version has
	// a dialog of its own (17's "Log out from all devices?").
	Text, Submit string
}

// NewKeyDialog is the "New API Key" dialog.
type NewKeyDialog struct {
	Action    string
	CancelURL string
	Generate  string
	Cancel    string
	Name      string
	// Durations are the options of the selector (18+); empty: no selector.
	Durations []DurationOption
	// Custom: "Custom Date" is offered, with its date field.
	Custom     bool
	CustomDate string // yyyy-mm-dd
	MinDate    string
	// PersistentHint tells someone who may not create persistent keys what
	// to do instead.
	PersistentHint string
	Error          string
	// Form identifies this one dialog: a form sent twice (a reload that
	// resubmits it) makes one key, not two.
	Form string
	// Policy: the gateway's fields are offered (read-only, models,
	// addresses, rate), with what was typed.
	Policy                bool
	ReadOnly              bool
	Models, AllowIP, Rate string
}

// DurationOption is one option of the duration selector.
type DurationOption struct {
	Days     int
	Label    string
	Selected bool
}

// ReadyDialog is "API Key Ready", which shows a new key once.
type ReadyDialog struct {
	Key     string // empty: the key was shown already
	DoneURL string
	Done    string
	// ShownURL is the address the page takes once drawn (the script
	// replaces it in the history), so that a reload or a return finds the
	// "already shown" message instead of sending the form again.
	ShownURL string
}

// KeyRow is a key as the lists and cards show it.
type KeyRow struct {
	ID         int64
	Name       string
	Scope      string
	Created    time.Time
	Expires    time.Time
	LastUsed   time.Time
	LastUsedIP string
	Policy     string // the key's policy, as okapi key list shows it ("" none)
	Login      string
	UserName   string
	DeleteURL  string
}

func keyRows(keys []*okapi.Key, s *surface) []KeyRow {
	rows := make([]KeyRow, 0, len(keys))
	for _, k := range keys {
		rows = append(rows, KeyRow{ID: k.ID, Name: k.Name, Scope: k.Scope, Created: k.CreateDate, Expires: k.ExpirationDate,
			LastUsed: k.LastUsed, LastUsedIP: k.LastUsedIP, Policy: k.Policy.String(), Login: k.Login, UserName: k.UserName,
			DeleteURL: s.keys + "/" + strconv.FormatInt(k.ID, 10) + "/delete"})
	}
	return rows
}

func (h *Handler) registerSurface(mux *http.ServeMux, s *surface) {
	mux.Handle("GET "+s.base+"/identity", h.handle(s.level, h.handleIdentityForm(s)))
	mux.Handle("POST "+s.base+"/identity", h.handle(s.level, h.handleIdentity(s)))
	mux.Handle("POST "+s.keys+"/{id}/delete", h.handle(s.level, h.handleKeyRevoke(s)))
	if s.devices {
		mux.Handle("POST "+s.base+"/devices/logout", h.handle(s.level, h.handleLogOutDevices(s)))
	}
	if s.create {
		mux.Handle("GET "+s.keys+"/new", h.handle(s.level, h.handleKeyForm(s)))
		mux.Handle("POST "+s.keys, h.handle(s.level, h.handleKeyCreate(s)))
		mux.Handle("GET "+s.keys+"/ready", h.handle(s.level, h.handleKeyReady(s)))
	}
}

// identityDialog builds the check for do ("new" or "delete" of keyID).
func (h *Handler) identityDialog(s *surface, do string, keyID int64) *IdentityDialog {
	ui := h.profile.UI
	d := &IdentityDialog{Title: s.identityTitle, Heading: ui.IdentityHeading, Cancel: ui.IdentityCancel,
		Action: s.base + "/identity", CancelURL: s.back, Do: do, KeyID: keyID, Placeholder: "************"}
	switch {
	case h.profile.Version >= 19:
		d.Placeholder = "Enter your password"
	case h.profile.Version <= 15:
		d.Placeholder = ""
	}
	if dd := ui.DevicesDialog; dd != nil && do == "devices" {
		d.Title, d.Text, d.Heading, d.Submit = dd.Title, dd.Text, dd.Prompt, dd.Button
	}
	return d
}

// pendingAction reads what the identity check is for; anything else than a
// creation (where allowed), the deletion of a key or logging out the other
// devices (where offered) is refused.
func pendingAction(s *surface, do, key string) (string, int64, bool) {
	switch do {
	case "new":
		return do, 0, s.create
	case "devices":
		return do, 0, s.devices
	case "link", "unlink":
		return do, 0, s.upstream
	case "delete":
		id, err := strconv.ParseInt(key, 10, 64)
		return do, id, err == nil && id > 0
	}
	if s.totp {
		return totpPending(do, key)
	}
	return "", 0, false
}

func (h *Handler) handleIdentityForm(s *surface) func(*request) error {
	return func(rq *request) error {
		q := rq.r.URL.Query()
		do, id, ok := pendingAction(s, q.Get("do"), q.Get("key"))
		if !ok {
			return rq.redirect(s.back)
		}
		return s.show(rq, http.StatusOK, &Dialogs{Identity: h.identityDialog(s, do, id)})
	}
}

func (h *Handler) handleIdentity(s *surface) func(*request) error {
	return func(rq *request) error {
		f := rq.r.PostForm
		do, id, ok := pendingAction(s, f.Get("do"), f.Get("key"))
		if !ok {
			return rq.redirect(s.back)
		}
		// The password only: CheckIdentity never accepts an API key, and
		// counts failures towards the login cooldown.
		if err := h.checkIdentity(rq, f.Get("password")); err != nil {
			if !userFacing(err) {
				return err
			}
			d := h.identityDialog(s, do, id)
			d.Error = okapi.ErrorMessage(err)
			return s.show(rq, http.StatusUnprocessableEntity, &Dialogs{Identity: d})
		}
		if err := h.markIdentity(rq); err != nil {
			return err
		}
		switch do {
		case "delete":
			return h.revoke(rq, s, id)
		case "devices":
			return h.logOutDevices(rq, s)
		case "link":
			return rq.redirect(h.paths.Prefs + "/upstream")
		case "unlink":
			return h.unlink(rq)
		case "totp-enable", "totp-disable", "totp-revoke":
			return h.totpAfterIdentity(rq, s, do, id)
		}
		return rq.redirect(s.keys + "/new")
	}
}

// markIdentity records a password re-entry in the session.
func (h *Handler) markIdentity(rq *request) error {
	rq.sess.IdentityCheck = h.now().Truncate(time.Second)
	return h.store.UpdateSession(rq.ctx(), rq.sess)
}

func (h *Handler) handleKeyForm(s *surface) func(*request) error {
	return func(rq *request) error {
		if !h.identityFresh(rq.sess) {
			return rq.redirect(s.base + "/identity?do=new")
		}
		d, _, err := h.newKeyDialog(rq, s)
		if err != nil {
			return err
		}
		return s.show(rq, http.StatusOK, &Dialogs{NewKey: d})
	}
}

// newKeyDialog builds the "New API Key" dialog with the durations the
// user's policy offers, the first one selected as in Odoo.
func (h *Handler) newKeyDialog(rq *request, s *surface) (*NewKeyDialog, auth.KeyPolicy, error) {
	pol, err := h.auth.Policy(rq.ctx(), rq.user)
	if err != nil {
		return nil, pol, err
	}
	d := &NewKeyDialog{Action: s.keys, CancelURL: s.back, Generate: s.generate, Cancel: s.cancel,
		MinDate: h.now().AddDate(0, 0, 1).Format("2006-01-02"), Form: newToken(), Policy: h.gateway() != nil}
	if !pol.Allowed {
		d.Error = pol.Refusal
	}
	if pol.Expiring && s.durations != nil {
		fixed := ""
		for i, c := range s.durations(pol) {
			d.Durations = append(d.Durations, DurationOption{Days: c.Days, Label: c.Label, Selected: i == 0})
			switch {
			case c.Days > 0:
				fixed = c.Label
			case c.Days < 0:
				d.Custom = true
			}
		}
		if !pol.Persistent && fixed != "" {
			d.PersistentHint = `Looking for "Persistent Key"? Only administrators can create keys that never expire. ` +
				`Choose the longest duration offered (` + fixed + `) and create a new key before it ends, or ask an administrator.`
		}
	}
	return d, pol, nil
}

func (h *Handler) handleKeyCreate(s *surface) func(*request) error {
	return func(rq *request) error {
		if !h.identityFresh(rq.sess) {
			return rq.redirect(s.base + "/identity?do=new")
		}
		f := rq.r.PostForm
		d, pol, err := h.newKeyDialog(rq, s)
		if err != nil {
			return err
		}
		d.Name = strings.TrimSpace(f.Get("name"))
		req := auth.KeyRequest{Name: d.Name, IP: h.cfg.ClientIP(rq.r)}
		if d.Policy {
			if err := readKeyPolicy(d, &req, f); err != nil {
				d.Error = okapi.ErrorMessage(err)
				return s.show(rq, http.StatusUnprocessableEntity, &Dialogs{NewKey: d})
			}
		}
		if pol.Expiring {
			req.Days = s.defaultDays
			if len(d.Durations) > 0 {
				req.Days, req.Expires = readDuration(f.Get("duration"), f.Get("expiration_date"))
				d.CustomDate = f.Get("expiration_date")
				for i := range d.Durations {
					d.Durations[i].Selected = d.Durations[i].Days == req.Days
				}
			}
		}
		ready := &ReadyDialog{DoneURL: s.back, Done: s.done, ShownURL: s.keys + "/ready"}
		// The same dialog sent again (a browser's reload of this answer,
		// which resubmits the form) made its key already: say so, on
		// whichever node the request reached, rather than make another.
		if form := f.Get("form"); form != "" {
			fresh, err := h.store.ClaimForm(rq.ctx(), rq.sess.ID, form)
			if err != nil {
				return err
			}
			if !fresh {
				return s.show(rq, http.StatusOK, &Dialogs{Ready: ready})
			}
		}
		secret, _, err := h.auth.CreateKey(rq.ctx(), rq.user, req)
		if err != nil {
			if !userFacing(err) {
				return err
			}
			d.Error = okapi.ErrorMessage(err)
			return s.show(rq, http.StatusUnprocessableEntity, &Dialogs{NewKey: d})
		}
		// The key is in this answer and nowhere else: no copy waits in
		// memory for another request, so any node may serve the next one.
		ready.Key = secret
		return s.show(rq, http.StatusOK, &Dialogs{Ready: ready})
	}
}

// readDuration reads the selector: a number of days, 0 for a persistent
// key, -1 for the custom date. Anything unreadable counts as a custom date
// without a date, which the service refuses with Odoo's message.
func readDuration(duration, date string) (int, time.Time) {
	days, err := strconv.Atoi(duration)
	if err != nil || days < -1 {
		return -1, time.Time{}
	}
	if days != -1 {
		return days, time.Time{}
	}
	t, err := time.Parse("2006-01-02", date)
	if err != nil {
		return -1, time.Time{}
	}
	return -1, t
}

// handleKeyReady is where the key's page goes once drawn: a reload, the
// back button or a second tab find that the key was shown, and no key.
func (h *Handler) handleKeyReady(s *surface) func(*request) error {
	return func(rq *request) error {
		return s.show(rq, http.StatusOK, &Dialogs{Ready: &ReadyDialog{DoneURL: s.back, Done: s.done}})
	}
}

func (h *Handler) handleKeyRevoke(s *surface) func(*request) error {
	return func(rq *request) error {
		id, err := strconv.ParseInt(rq.r.PathValue("id"), 10, 64)
		if err != nil || id <= 0 {
			return errNotFound
		}
		if !h.identityFresh(rq.sess) {
			return rq.redirect(s.base + "/identity?do=delete&key=" + strconv.FormatInt(id, 10))
		}
		return h.revoke(rq, s, id)
	}
}

func (h *Handler) revoke(rq *request, s *surface, id int64) error {
	if _, err := h.auth.RevokeKey(rq.ctx(), rq.user, id, h.cfg.ClientIP(rq.r)); err != nil {
		return err
	}
	return rq.redirect(withNotice(s.back, "revoked"))
}

func (h *Handler) handleLogOutDevices(s *surface) func(*request) error {
	return h.afterIdentity(s, "devices", func(rq *request) error { return h.logOutDevices(rq, s) })
}

// afterIdentity runs fn when the password was confirmed in the last
// minutes, and sends the person to the surface's identity check for do
// otherwise (Odoo's @check_identity).
func (h *Handler) afterIdentity(s *surface, do string, fn func(*request) error) func(*request) error {
	return func(rq *request) error {
		if !h.identityFresh(rq.sess) {
			return rq.redirect(s.base + "/identity?do=" + do)
		}
		return fn(rq)
	}
}

// logOutDevices ends every other session of the user: other browsers and
// session-based RPC clients must log in again; this one stays.
func (h *Handler) logOutDevices(rq *request, s *surface) error {
	if _, err := h.auth.LogOutEverywhere(rq.ctx(), rq.user, rq.sess.ID, h.cfg.ClientIP(rq.r)); err != nil {
		return err
	}
	return rq.redirect(withNotice(s.back, "devices"))
}

// withNotice adds ?done=notice to a local address.
func withNotice(to, notice string) string {
	u, err := url.Parse(to)
	if err != nil {
		return to
	}
	q := u.Query()
	q.Set("done", notice)
	u.RawQuery = q.Encode()
	return u.String()
}
