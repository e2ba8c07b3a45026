package auth

import (
	"context"
	"errors"
	"strconv"

	"github.com/okapi-erp/okapi"
)

// Upstream is the Odoo a gateway stands in front of, as the gateway's web
// login sees it: the gateway's pages accept a user's Odoo password,
// checked there, and never keep it.
type Upstream interface {
	// CheckPassword returns the upstream uid of login with password;
	// okapi.ErrAccessDenied when the upstream refuses it (a wrong password,
	// or a right one refused because two-factor authentication is on
	// upstream); another error when the upstream could not say.
	CheckPassword(ctx context.Context, login, password string) (int64, error)
	// Name is the upstream user's name, read with the password just
	// checked (the login when the upstream does not say).
	Name(ctx context.Context, login, password string, uid int64) string
	// Account is the upstream user a local user answers for with their
	// Odoo password: the one they logged in as before, or the one their
	// link names; ok is false when there is none.
	Account(ctx context.Context, userID int64) (login string, uid int64, ok bool, err error)
	// Remember records that userID logged in as the upstream user uid.
	Remember(ctx context.Context, userID, uid int64, login string) error
}

// LoginGateway is the web login of a gateway: a user's local password
// (when they have one) or their Odoo password, checked against up. A login
// the gateway does not know yet, whose Odoo password the upstream accepts,
// becomes an internal user with no local password, recorded as that
// upstream user. An existing user logs in with an Odoo password only when
// they are known as the upstream user of the same login (they logged in
// so before, or their link names that login): the gateway's own
// administrator is never reached through an upstream password.
//
// The rules of the login hold: the cooldown holds attempts back, a refusal
// (here or upstream) counts once against the address and the login, a
// success clears the count. An upstream that cannot answer counts nothing
// and is the error returned (EUpstream, saying why).
func (s *Service) LoginGateway(ctx context.Context, login, password, ip string, up Upstream) (*okapi.User, error) {
	if err := s.holdPassword(ctx, PathWebLogin, ip, login); err != nil {
		return nil, err
	}
	key := loginKey(login)
	u, err := s.userByLogin(ctx, login)
	if err != nil && !errors.Is(err, okapi.ErrNotFound) {
		return nil, err
	}
	var known int64
	if u != nil {
		if !u.Active {
			s.fail(ctx, PathWebLogin, ip, key, login, "archived user")
			return nil, okapi.ErrAccessDenied
		}
		ok, err := s.checkPassword(ctx, u, password)
		if err != nil {
			return nil, err
		}
		if ok {
			return s.loggedIn(u, ip, "password"), nil
		}
		upLogin, uid, has, err := up.Account(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		if !has || upLogin != u.Login {
			s.fail(ctx, PathWebLogin, ip, key, login, "wrong password")
			return nil, okapi.ErrAccessDenied
		}
		known = uid
	}
	uid, err := up.CheckPassword(ctx, login, password)
	if errors.Is(err, okapi.ErrAccessDenied) {
		s.fail(ctx, PathWebLogin, ip, key, login, "refused by the upstream Odoo")
		return nil, okapi.ErrAccessDenied
	}
	if err != nil {
		return nil, err
	}
	if u != nil && known != uid {
		// The upstream's user of this login is another one than the
		// user was (re-created upstream): an administrator decides.
		s.fail(ctx, PathWebLogin, ip, key, login, "upstream uid "+strconv.FormatInt(uid, 10)+", was "+strconv.FormatInt(known, 10))
		return nil, okapi.Errorf(okapi.EAccess, "The upstream Odoo's user %q is no longer the one this gateway knows (uid %d, was %d): ask an administrator to link it again (okapi upstream link).", login, uid, known)
	}
	if u == nil {
		if u, err = s.createUpstreamUser(ctx, login, up.Name(ctx, login, password, uid), uid); err != nil {
			return nil, err
		}
	}
	if err := up.Remember(ctx, u.ID, uid, login); err != nil {
		return nil, err
	}
	return s.loggedIn(u, ip, "upstream password"), nil
}

// createUpstreamUser makes the internal user of a login the upstream
// vouched for, with no local password.
func (s *Service) createUpstreamUser(ctx context.Context, login, name string, uid int64) (*okapi.User, error) {
	u, err := s.store.CreateUser(ctx, okapi.NewUser{Login: login, Name: name, Kind: okapi.KindInternal, Defaults: true})
	if err != nil {
		// Two first logins at once: the other one made the user.
		if again, err2 := s.store.UserByLogin(ctx, login); err2 == nil {
			return again, nil
		}
		return nil, err
	}
	s.audit(okapi.AuditEntry{At: s.now().UTC(), Kind: okapi.AuditUserCreated, UserID: u.ID, Login: u.Login,
		Detail: u.Kind() + ", at their first login with the password of the upstream Odoo's user (uid " + strconv.FormatInt(uid, 10) + ")"})
	return u, nil
}

// loggedIn is a successful web login: the count cleared, the log line.
func (s *Service) loggedIn(u *okapi.User, ip, how string) *okapi.User {
	s.limiter.succeed(ip, u.Login)
	s.metrics.KeyCheck(PathWebLogin, "password")
	s.log.Info("Login successful", "login", okapi.CapIdent(u.Login), "ip", ip, "with", how)
	return u
}

// CheckIdentityGateway is CheckIdentity on a gateway: the local password,
// or the Odoo password of the upstream user the user answers for (see
// LoginGateway), checked against up. A refusal counts once.
func (s *Service) CheckIdentityGateway(ctx context.Context, u *okapi.User, password, ip string, up Upstream) error {
	return s.checkIdentity(ctx, u, password, ip, up)
}
