package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
)

// SettingsPage is Settings (administrators): users, the API-key block
// with "Manage API Keys" and the portal option, developer tools, and the
// audit log.
type SettingsPage struct {
	Page
	ActiveUsers int
	// KeysTitle and KeysHelp head the API-key block (17+ "API Keys";
	// before, the "Permissions" block holds the button).
	KeysTitle string
	KeysHelp  string
	// Portal option: shown from 15 on, in developer mode, as in Odoo.
	PortalOption bool
	PortalLabel  string
	PortalHelp   string
	PortalOn     bool
}

// UsersPage lists the users.
type UsersPage struct {
	Page
	Users []*okapi.User
}

// UserForm is what the "New user" form holds.
type UserForm struct {
	Login, Name, Email string
	Kind               string
	Admin              bool
}

// UserFormPage is the "New user" form.
type UserFormPage struct {
	Page
	Form  UserForm
	Error string
}

// UserPage is one user, with the forms that change them.
type UserPage struct {
	Page
	Subject *okapi.User
	Error   string
}

// AdminKeysPage is "API Keys Listing": every user's keys.
type AdminKeysPage struct {
	Page
	Dialogs
	Keys     []KeyRow
	Expiring bool
}

// AuditRow is one line of the audit log, with ids turned into logins.
type AuditRow struct {
	At      time.Time
	Kind    string
	Actor   string
	Login   string
	KeyName string
	KeyID   int64
	IP      string
	Detail  string
}

// AuditPage is the audit log.
type AuditPage struct {
	Page
	Rows  []AuditRow
	Limit int
}

func (h *Handler) adminSurface() *surface {
	s := &surface{level: admin, base: h.paths.Keys, keys: h.paths.Keys, back: h.paths.Keys,
		identityTitle: h.profile.UI.IdentityTitle, cancel: "Cancel", done: "Done!"}
	s.show = h.showAdminKeys
	return s
}

func (h *Handler) handleSettings(rq *request) error {
	pg := SettingsPage{Page: h.page(rq, "Settings")}
	pg.App = "Settings"
	users, err := h.auth.Users(rq.ctx(), rq.user)
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.Active {
			pg.ActiveUsers++
		}
	}
	if h.profile.Version >= 17 {
		pg.KeysTitle = "API Keys"
		pg.KeysHelp = "API Keys allow your users to access Odoo with external tools when multi-factor authentication is enabled."
	} else {
		pg.KeysTitle = "Permissions"
	}
	if h.profile.Version >= 15 && rq.sess.Debug {
		pg.PortalOption = true
		pg.PortalLabel, pg.PortalHelp = "Customers can generate API Keys", ""
		if h.profile.Version <= 16 {
			pg.PortalLabel, pg.PortalHelp = "Customer API Keys", "Let your customers create developer API keys"
		}
		if pg.PortalOn, err = h.auth.PortalKeysAllowed(rq.ctx()); err != nil {
			return err
		}
	}
	return h.render(rq, http.StatusOK, "settings", pg)
}

func (h *Handler) handlePortalKeys(rq *request) error {
	on := rq.r.PostForm.Get("portal_allow_api_keys") == "on"
	if err := h.auth.SetPortalKeysAllowed(rq.ctx(), rq.user, on); err != nil {
		return err
	}
	return rq.redirect(withNotice(h.paths.Settings, "settings"))
}

func (h *Handler) handleUsers(rq *request) error {
	users, err := h.auth.Users(rq.ctx(), rq.user)
	if err != nil {
		return err
	}
	pg := UsersPage{Page: h.page(rq, "Users"), Users: users}
	pg.App = "Settings"
	return h.render(rq, http.StatusOK, "users", pg)
}

func (h *Handler) handleUserForm(rq *request) error {
	pg := UserFormPage{Page: h.page(rq, "New User"), Form: UserForm{Kind: okapi.KindInternal}}
	pg.App = "Settings"
	return h.render(rq, http.StatusOK, "userform", pg)
}

func (h *Handler) handleUserCreate(rq *request) error {
	f := rq.r.PostForm
	form := UserForm{Login: strings.TrimSpace(f.Get("login")), Name: strings.TrimSpace(f.Get("name")),
		Email: strings.TrimSpace(f.Get("email")), Kind: f.Get("kind"), Admin: f.Get("admin") == "on"}
	if form.Kind != okapi.KindPortal {
		form.Kind = okapi.KindInternal
	}
	// Odoo's administrators are internal users; a portal user cannot hold
	// the Settings group.
	admin := form.Admin && form.Kind == okapi.KindInternal
	u, err := h.auth.CreateUser(rq.ctx(), rq.user, auth.UserRequest{Login: form.Login, Password: f.Get("password"),
		Name: form.Name, Email: form.Email, Kind: form.Kind, Admin: admin})
	if err != nil {
		if !userFacing(err) {
			return err
		}
		pg := UserFormPage{Page: h.page(rq, "New User"), Form: form, Error: okapi.ErrorMessage(err)}
		pg.App = "Settings"
		return h.render(rq, http.StatusUnprocessableEntity, "userform", pg)
	}
	return rq.redirect(withNotice(h.userURL(u.ID), "user"))
}

func (h *Handler) userURL(id int64) string {
	return h.paths.Users + "/" + strconv.FormatInt(id, 10)
}

// subject reads the {id} of a user page.
func (h *Handler) subject(rq *request) (*okapi.User, error) {
	id, err := strconv.ParseInt(rq.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 || id == okapi.SuperuserID {
		return nil, errNotFound
	}
	return h.auth.User(rq.ctx(), id)
}

func (h *Handler) handleUser(rq *request) error {
	u, err := h.subject(rq)
	if err != nil {
		return err
	}
	return h.showUser(rq, http.StatusOK, u, "")
}

func (h *Handler) showUser(rq *request, status int, u *okapi.User, msg string) error {
	pg := UserPage{Page: h.page(rq, u.Name), Subject: u, Error: msg}
	pg.App = "Settings"
	return h.render(rq, status, "user", pg)
}

// userAction runs fn on the page's user and comes back with notice, or
// shows the refusal on the user's page.
func (h *Handler) userAction(rq *request, notice string, fn func(u *okapi.User) error) error {
	u, err := h.subject(rq)
	if err != nil {
		return err
	}
	if err := fn(u); err != nil {
		if !userFacing(err) {
			return err
		}
		return h.showUser(rq, http.StatusUnprocessableEntity, u, okapi.ErrorMessage(err))
	}
	return rq.redirect(withNotice(h.userURL(u.ID), notice))
}

func (h *Handler) handleUserPassword(rq *request) error {
	return h.userAction(rq, "userpass", func(u *okapi.User) error {
		return h.auth.SetPassword(rq.ctx(), rq.user, u.ID, rq.r.PostForm.Get("password"), rq.sess.ID)
	})
}

func (h *Handler) handleUserAccess(rq *request) error {
	return h.userAction(rq, "access", func(u *okapi.User) error {
		kind := okapi.KindInternal
		if rq.r.PostForm.Get("kind") == okapi.KindPortal {
			kind = okapi.KindPortal
		}
		if u.ID == rq.user.ID && (kind != okapi.KindInternal || rq.r.PostForm.Get("admin") != "on") {
			return okapi.Errorf(okapi.EUser, "You cannot remove your own administrator rights: ask another administrator.")
		}
		return h.auth.SetKind(rq.ctx(), rq.user, u.ID, kind, kind == okapi.KindInternal && rq.r.PostForm.Get("admin") == "on")
	})
}

func (h *Handler) handleUserActive(rq *request) error {
	active := rq.r.PostForm.Get("active") == "1"
	notice := "archived"
	if active {
		notice = "restored"
	}
	return h.userAction(rq, notice, func(u *okapi.User) error {
		return h.auth.SetActive(rq.ctx(), rq.user, u.ID, active)
	})
}

func (h *Handler) handleAdminKeys(rq *request) error {
	return h.showAdminKeys(rq, http.StatusOK, nil)
}

func (h *Handler) showAdminKeys(rq *request, status int, d *Dialogs) error {
	keys, err := h.auth.Keys(rq.ctx(), rq.user, 0)
	if err != nil {
		return err
	}
	pg := AdminKeysPage{Page: h.page(rq, "API Keys Listing"), Keys: keyRows(keys, h.admin), Expiring: h.profile.KeysExpire}
	pg.App = "Settings"
	if d != nil {
		pg.Dialogs = *d
		pg.Inert = d.Open()
	}
	return h.render(rq, status, "apikeys", pg)
}

// auditLimit bounds the audit page; the command line reads the rest.
const auditLimit = 500

func (h *Handler) handleAudit(rq *request) error {
	entries, err := h.store.ListAudit(rq.ctx(), auditLimit)
	if err != nil {
		return err
	}
	users, err := h.auth.Users(rq.ctx(), rq.user)
	if err != nil {
		return err
	}
	logins := make(map[int64]string, len(users))
	for _, u := range users {
		logins[u.ID] = u.Login
	}
	rows := make([]AuditRow, 0, len(entries))
	for _, e := range entries {
		row := AuditRow{At: e.At, Kind: e.Kind, Login: e.Login, KeyName: e.KeyName, KeyID: e.KeyID, IP: e.IP, Detail: e.Detail}
		switch {
		case e.ActorID == 0:
			// Nobody logged in: a failed login, an expiry, the command line.
		case logins[e.ActorID] != "":
			row.Actor = logins[e.ActorID]
		default:
			row.Actor = "#" + strconv.FormatInt(e.ActorID, 10)
		}
		if row.Login == "" && e.UserID != 0 {
			row.Login = logins[e.UserID]
		}
		rows = append(rows, row)
	}
	pg := AuditPage{Page: h.page(rq, "Audit Log"), Rows: rows, Limit: auditLimit}
	pg.App = "Settings"
	return h.render(rq, http.StatusOK, "audit", pg)
}
