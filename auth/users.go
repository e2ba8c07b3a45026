package auth

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/secret"
)

// sessionIdle is how long an unused web session lives.
const sessionIdle = 7 * 24 * time.Hour

// UserRequest asks for a new user.
type UserRequest struct {
	Login, Password, Name, Email string
	Kind                         string // okapi.KindInternal (default) or okapi.KindPortal
	Admin                        bool
}

func requireAdmin(actor *okapi.User) error {
	if actor != nil && !actor.Admin() {
		return okapi.Errorf(okapi.EAccess, "Only administrators can manage users.")
	}
	return nil
}

// CreateUser creates a user (administrators, or the operator when actor is
// nil). Internal users get contact creation, as Odoo's default user template
// gives it.
func (s *Service) CreateUser(ctx context.Context, actor *okapi.User, req UserRequest) (*okapi.User, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	req.Login = strings.TrimSpace(req.Login)
	if req.Login == "" {
		return nil, okapi.Errorf(okapi.EValidation, "A user needs a login.")
	}
	if len(req.Login) > okapi.MaxLoginBytes {
		return nil, okapi.Errorf(okapi.EValidation, "The login is too long (at most %d bytes).", okapi.MaxLoginBytes)
	}
	var hash string
	if req.Password != "" {
		h, err := secret.HashPassword(ctx, req.Password)
		if err != nil {
			return nil, err
		}
		hash = h
	}
	u, err := s.store.CreateUser(ctx, okapi.NewUser{Login: req.Login, Name: req.Name, Email: req.Email, PasswordHash: hash,
		Kind: req.Kind, Admin: req.Admin, CreatedBy: actorID(actor), Defaults: true})
	if err != nil {
		return nil, err
	}
	_ = s.store.AddAudit(ctx, okapi.AuditEntry{At: s.now(), Kind: okapi.AuditUserCreated, ActorID: actorID(actor), UserID: u.ID, Login: u.Login,
		Detail: u.Kind()})
	return u, nil
}

// SetPassword replaces a user's password: the user themself or an
// administrator. Keys are not revoked (as in Odoo), but cached password
// checks are.
//
// As in Odoo, the new password logs the user out of every other browser:
// all of uid's web sessions end but keepSession (the one that changed the
// password, or "" for none). API keys are not passwords and keep working.
func (s *Service) SetPassword(ctx context.Context, actor *okapi.User, uid int64, password, keepSession string) error {
	if actor != nil && actor.ID != uid && !actor.Admin() {
		return okapi.Errorf(okapi.EAccess, "Only administrators can change other users' passwords.")
	}
	if password == "" {
		return okapi.Errorf(okapi.EUser, "Setting empty passwords is not allowed for security reasons!")
	}
	h, err := secret.HashPassword(ctx, password)
	if err != nil {
		return err
	}
	if err := s.store.SetPasswordHash(ctx, uid, h); err != nil {
		return err
	}
	s.cache.invalidateUser(uid)
	// A new password forgets the trusted devices too, as Odoo's does.
	if _, err := s.store.DeleteDevices(ctx, uid, 0); err != nil {
		return err
	}
	ended, err := s.store.DeleteUserSessions(ctx, uid, keepSession)
	if err != nil {
		return err
	}
	_ = s.store.AddAudit(ctx, okapi.AuditEntry{At: s.now(), Kind: okapi.AuditPassword, ActorID: actorID(actor), UserID: uid,
		Detail: sessionsEnded(ended)})
	return nil
}

// LogOutEverywhere ends every web session of actor but keepSession (Odoo
// 17+'s "Log out from all devices"). Session-based RPC clients are logged
// out with the browsers; API keys are not sessions and keep working. It
// returns how many sessions ended.
func (s *Service) LogOutEverywhere(ctx context.Context, actor *okapi.User, keepSession, ip string) (int64, error) {
	if actor == nil {
		return 0, okapi.Errorf(okapi.EAccess, "Only a logged-in user can log out their devices.")
	}
	ended, err := s.store.DeleteUserSessions(ctx, actor.ID, keepSession)
	if err != nil {
		return 0, err
	}
	_ = s.store.AddAudit(ctx, okapi.AuditEntry{At: s.now(), Kind: okapi.AuditLoggedOut, ActorID: actor.ID, UserID: actor.ID,
		Login: actor.Login, IP: ip, Detail: sessionsEnded(ended)})
	return ended, nil
}

// sessionsEnded words an audit detail.
func sessionsEnded(n int64) string {
	if n == 1 {
		return "1 web session ended"
	}
	return fmt.Sprintf("%d web sessions ended", n)
}

// SetActive archives or restores a user. An archived user's keys and
// sessions stop working at once.
func (s *Service) SetActive(ctx context.Context, actor *okapi.User, uid int64, active bool) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	if uid == okapi.SuperuserID || (actor != nil && actor.ID == uid && !active) {
		return okapi.Errorf(okapi.EUser, "You cannot archive this user.")
	}
	if err := s.store.SetActive(ctx, uid, active); err != nil {
		return err
	}
	s.cache.invalidateUser(uid)
	kind := okapi.AuditUserArchived
	if active {
		kind = okapi.AuditUserRestored
	} else if _, err := s.store.DeleteUserSessions(ctx, uid, ""); err != nil {
		return err
	}
	_ = s.store.AddAudit(ctx, okapi.AuditEntry{At: s.now(), Kind: kind, ActorID: actorID(actor), UserID: uid})
	return nil
}

// SetKind makes a user internal or portal and sets the administrator flag.
func (s *Service) SetKind(ctx context.Context, actor *okapi.User, uid int64, kind string, admin bool) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	if err := s.store.SetKind(ctx, uid, kind, admin); err != nil {
		return err
	}
	s.cache.invalidateUser(uid)
	return nil
}

// Users lists every user (administrators and the operator).
func (s *Service) Users(ctx context.Context, actor *okapi.User) ([]*okapi.User, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	return s.store.ListUsers(ctx)
}

// UserByLogin finds a user by login.
func (s *Service) UserByLogin(ctx context.Context, login string) (*okapi.User, error) {
	return s.store.UserByLogin(ctx, login)
}

// InvalidateUser forgets what is cached about a user; the model layer calls
// it after writing users over RPC.
func (s *Service) InvalidateUser(uid int64) { s.cache.invalidateUser(uid) }

// InvalidateUsers forgets every cached user (their groups are read again);
// the model layer calls it after changing which groups imply which.
func (s *Service) InvalidateUsers() { s.cache.invalidateUsers() }

// InvalidateKey forgets a key's cached grant.
func (s *Service) InvalidateKey(id int64) { s.cache.invalidateKey(id) }

// Store returns the store the service uses.
func (s *Service) Store() okapi.Store { return s.store }
