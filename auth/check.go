package auth

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/secret"
)

// Paths name where a credential was presented, for metrics and cooldown keys.
const (
	PathAuthenticate = "authenticate"
	PathExecute      = "execute"
	PathBearer       = "bearer"
	PathWebLogin     = "web_login"
	PathIdentity     = "identity_check"
	PathMailPlugin   = "mail_plugin"
)

// User returns a user by id, from the cache when possible.
func (s *Service) User(ctx context.Context, uid int64) (*okapi.User, error) {
	if u, ok := s.cache.user(uid); ok {
		return u, nil
	}
	epoch := s.cache.epoch.Load()
	u, err := s.store.UserByID(ctx, uid)
	if err != nil {
		return nil, err
	}
	s.cache.putUser(u, epoch)
	return u, nil
}

func (s *Service) userByLogin(ctx context.Context, login string) (*okapi.User, error) {
	if strings.IndexByte(login, 0) >= 0 || len(login) > okapi.MaxLoginBytes {
		// No login holds NUL, and PostgreSQL would refuse to look; no
		// login is this long, and looking it up would cost for nothing.
		return nil, okapi.ErrNotFound
	}
	if u, ok := s.cache.userByLogin(login); ok {
		return u, nil
	}
	epoch := s.cache.epoch.Load()
	u, err := s.store.UserByLogin(ctx, login)
	if err != nil {
		return nil, err
	}
	s.cache.putUser(u, epoch)
	return u, nil
}

// Authenticate is common.authenticate / common.login: a non-interactive
// login with a password or an API key (scope 'rpc') of the same user. It
// returns the uid, or okapi.ErrAccessDenied for every kind of failure, so
// that the RPC layer answers false.
func (s *Service) Authenticate(ctx context.Context, login, secretText, ip string) (int64, error) {
	return s.authenticate(ctx, login, secretText, ip, false)
}

// authenticate is Authenticate; with passThrough (a gateway that forwards
// what it does not know), a login or secret of no local user is
// ErrNotLocal and counts no failure.
func (s *Service) authenticate(ctx context.Context, login, secretText, ip string, passThrough bool) (int64, error) {
	if secretText == "" && s.profile.EmptySecretFault && !passThrough {
		// The recorded 18.0 build asserts a non-empty key before looking.
		return 0, &okapi.Error{Code: okapi.EException, Message: "scope and key required"}
	}
	key := loginKey(login)
	u, err := s.userByLogin(ctx, login)
	if errors.Is(err, okapi.ErrNotFound) {
		if passThrough && okapi.LooksLikeKey(secretText) {
			// Maybe the upstream's key: forwarded, whatever the cooldowns.
			return 0, ErrNotLocal
		}
		if err := s.holdPassword(ctx, PathAuthenticate, ip, login); err != nil {
			return 0, err
		}
		if passThrough {
			return 0, ErrNotLocal
		}
		// Spend a password check so an unknown login takes as long (the
		// answer, false, is the same).
		_, _, _ = secret.VerifyPassword(ctx, secretText, timingHash)
		s.fail(ctx, PathAuthenticate, ip, key, login, "unknown login")
		return 0, okapi.ErrAccessDenied
	}
	if err != nil {
		return 0, err
	}
	ok, _, err := s.checkSecret(ctx, u, secretText, ip, PathAuthenticate)
	if err != nil { // the cooldown's, or the database's
		return 0, err
	}
	if !ok {
		if passThrough {
			return 0, ErrNotLocal
		}
		s.fail(ctx, PathAuthenticate, ip, key, login, s.why(ctx, u, secretText))
		return 0, okapi.ErrAccessDenied
	}
	s.limiter.succeed(ip, u.Login)
	return u.ID, nil
}

// CheckUID is the check made on every execute/execute_kw call: the secret
// must be a password or an RPC key of uid. An unknown uid is Odoo's
// MissingError; everything else that fails is okapi.ErrAccessDenied.
func (s *Service) CheckUID(ctx context.Context, uid int64, secretText, ip string) (*okapi.User, error) {
	if secretText == "" {
		return nil, okapi.ErrAccessDenied
	}
	u, err := s.User(ctx, uid)
	if errors.Is(err, okapi.ErrNotFound) {
		// Nothing is checked: Odoo's answer, and a failure counted.
		s.fail(ctx, PathExecute, ip, uidKey(uid), "", "unknown uid")
		return nil, MissingUser(uid)
	}
	if err != nil {
		return nil, err
	}
	// Failures count against the login, as authenticate's do, so that a
	// guesser gets one budget per account whichever call they use.
	key := loginKey(u.Login)
	ok, g, err := s.checkSecret(ctx, u, secretText, ip, PathExecute)
	if err != nil { // the cooldown's, or the database's
		return nil, err
	}
	if !ok {
		s.fail(ctx, PathExecute, ip, key, u.Login, s.why(ctx, u, secretText))
		return nil, okapi.ErrAccessDenied
	}
	s.limiter.succeed(ip, u.Login)
	return g.caller(u), nil
}

// MissingUser is Odoo's answer to a call naming a uid that does not exist.
func MissingUser(uid int64) error {
	return &okapi.Error{Code: okapi.EMissing,
		Message: fmt.Sprintf("Record does not exist or has been deleted.\n(Record: res.users(%d,), User: %d)", uid, uid)}
}

// CheckBearer checks a key presented as "Authorization: bearer <key>"
// (JSON-2): only keys, scope 'rpc', no password.
func (s *Service) CheckBearer(ctx context.Context, secretText, ip string) (*okapi.User, error) {
	return s.checkBearer(ctx, secretText, okapi.ScopeRPC, PathBearer, ip)
}

// checkBearer checks a key presented alone, without a login, for scope:
// failures count against the client's address, as no login is named.
func (s *Service) checkBearer(ctx context.Context, secretText, scope, path, ip string) (*okapi.User, error) {
	// A key is checked whatever the cooldowns: a correct one is never
	// refused, a wrong one gets the ordinary answer and is counted.
	u, err := s.CheckKey(ctx, secretText, scope, ip)
	if errors.Is(err, okapi.ErrAccessDenied) {
		s.fail(ctx, path, ip, "", "", "")
		return nil, err
	}
	if err == nil {
		s.metrics.KeyCheck(path, "ok")
		s.limiter.succeed(ip, u.Login)
	}
	return u, err
}

// CheckKey resolves a key for scope to its active user, or
// okapi.ErrAccessDenied.
func (s *Service) CheckKey(ctx context.Context, secretText, scope, ip string) (*okapi.User, error) {
	if !okapi.LooksLikeKey(secretText) {
		// Not a key's shape: no row can match. Still spend the digest so
		// that the answer takes as long as for a well-formed wrong key.
		_ = s.hasher.Digest(secretText)
		return nil, okapi.ErrAccessDenied
	}
	d := s.hasher.Digest(secretText)
	g, ok, err := s.keyOwner(ctx, secretText, d, scope, ip)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, okapi.ErrAccessDenied
	}
	u, err := s.User(ctx, g.uid)
	if err != nil {
		if errors.Is(err, okapi.ErrNotFound) {
			return nil, okapi.ErrAccessDenied
		}
		return nil, err
	}
	if !u.Active {
		return nil, okapi.ErrAccessDenied
	}
	return g.caller(u), nil
}

// checkSecret reports whether secretText is one of u's RPC keys or u's
// password. Odoo tries the password first, which costs a slow KDF on every
// key login; Okapi tries a key-shaped secret as a key first. The outcome is
// the same either way: the uid when either matches. g is the key's grant
// when the secret was a key (zero for a password). A key is checked
// whatever the cooldowns (a correct one is never refused); a password is
// not checked during its address's cooldown, nor, from an address that
// never logged in as u, while u's login is over its count: then the error
// is the cooldown's.
func (s *Service) checkSecret(ctx context.Context, u *okapi.User, secretText, ip, path string) (ok bool, g grant, err error) {
	if !u.Active || secretText == "" {
		s.metrics.KeyCheck(path, "denied")
		return false, g, nil
	}
	if okapi.LooksLikeKey(secretText) {
		d := s.hasher.Digest(secretText)
		kg, ok, err := s.keyOwner(ctx, secretText, d, okapi.ScopeRPC, ip)
		if err != nil {
			return false, g, err
		}
		if ok && kg.uid == u.ID {
			s.metrics.KeyCheck(path, "ok")
			return true, kg, nil
		}
		if s.limiter.gate(ctx, ip, u.Login) != nil {
			// During a cooldown a key-shaped secret is taken as the key
			// it looks like, and refused as a wrong key is.
			s.metrics.KeyCheck(path, "denied")
			return false, g, nil
		}
	}
	if err := s.holdPassword(ctx, path, ip, u.Login); err != nil {
		return false, g, err
	}
	if u.TOTP {
		// Two-factor authentication is on: API keys only, never the
		// password, as Odoo's _rpc_api_keys_only rule has it.
		s.metrics.KeyCheck(path, "denied")
		return false, g, nil
	}
	ok, err = s.checkPassword(ctx, u, secretText)
	if err != nil {
		return false, g, err
	}
	if ok {
		s.metrics.KeyCheck(path, "password")
	} else {
		s.metrics.KeyCheck(path, "denied")
	}
	return ok, g, nil
}

// keyOwner returns the owner of the key whose digest is d and the key's own
// scope, if the key exists, is usable for scope, has not expired and its
// owner is active.
func (s *Service) keyOwner(ctx context.Context, secretText string, d secret.Digest, scope, ip string) (grant, bool, error) {
	now := s.now()
	if g, ok := s.cache.grant(d); ok && g.keyID != 0 {
		s.metrics.CacheHit(true)
		if expired(g.expires, now) {
			s.cache.dropGrant(d)
			return grant{}, false, nil
		}
		if !okapi.ScopeMatches(g.scope, scope) {
			return grant{}, false, nil
		}
		s.noteUse(g.keyID, ip)
		noteExpiry(ctx, g.expires)
		return g, true, nil
	}
	s.metrics.CacheHit(false)
	epoch := s.cache.epoch.Load()
	cands, err := s.store.KeyCandidates(ctx, okapi.KeyIndex(secretText), now.UTC())
	if err != nil {
		return grant{}, false, err
	}
	var hit *okapi.KeyCandidate
	rehash := false
	for i := range cands {
		c := &cands[i]
		// Compare against every candidate, so the time taken does not
		// depend on which one matches.
		if ok, rh := s.hasher.VerifyKey(secretText, d, c.Hash); ok && hit == nil && !expired(c.Expiration, now) {
			hit, rehash = c, rh
		}
	}
	if hit == nil {
		// Spend one comparison even when no row shares the index, so a
		// guesser cannot tell "no such index" from "wrong key" by time.
		s.hasher.VerifyKey(secretText, d, dummyHash)
		return grant{}, false, nil
	}
	if rehash {
		if err := s.store.RehashKey(ctx, hit.ID, hit.Hash, d.Encode()); err != nil {
			s.log.Warn("re-hashing an imported key failed", "key_id", hit.ID, "err", err)
		}
		// The rehash fires a change event; read the epoch after it so the
		// grant below is not thrown away for nothing.
		epoch = s.cache.epoch.Load()
	}
	if !okapi.ScopeMatches(hit.Scope, scope) {
		return grant{}, false, nil
	}
	// The lookup reads the key table alone; the owner's state comes from
	// the user cache, which archiving invalidates.
	owner, err := s.User(ctx, hit.UserID)
	if err != nil || !owner.Active {
		return grant{}, false, nil
	}
	g := grant{uid: hit.UserID, keyID: hit.ID, scope: hit.Scope, expires: hit.Expiration, policy: hit.Policy}
	s.cache.putGrant(d, g, epoch)
	s.noteUse(hit.ID, ip)
	noteExpiry(ctx, hit.Expiration)
	return g, true, nil
}

// caller is the copy of u that acts through the key of g: read-only and
// with the key's policy when it has them.
func (g grant) caller(u *okapi.User) *okapi.User {
	return u.WithKey(g.keyID, g.scope == okapi.ScopeRPCRead, g.policy)
}

// expired reports whether a key expiring at exp (zero: never) has expired
// at now. The database keeps expiries to the second and finds candidates
// at that precision; this full-precision test, made on every path and
// every node whether the key came from the cache or the database, decides.
func expired(exp, now time.Time) bool { return !exp.IsZero() && now.After(exp) }

// dummyHash has the stored form of a real digest and matches nothing.
var dummyHash = secret.Digest{}.Encode()

// checkPassword checks u's password, caching a success under a digest of
// the uid and password as Odoo caches (uid, password) pairs.
func (s *Service) checkPassword(ctx context.Context, u *okapi.User, password string) (bool, error) {
	d := s.hasher.Digest("password\x00" + strconv.FormatInt(u.ID, 10) + "\x00" + password)
	if g, ok := s.cache.grant(d); ok && g.keyID == 0 && g.uid == u.ID {
		return true, nil
	}
	epoch := s.cache.epoch.Load()
	stored, err := s.store.PasswordHash(ctx, u.ID)
	if err != nil {
		return false, err
	}
	ok, rehash, err := secret.VerifyPassword(ctx, password, stored)
	if err != nil || !ok {
		return false, err
	}
	if rehash {
		if h, err := secret.HashPassword(ctx, password); err == nil {
			if err := s.store.SetPasswordHash(ctx, u.ID, h); err != nil {
				s.log.Warn("re-hashing an imported password failed", "uid", u.ID, "err", err)
			}
		}
		epoch = s.cache.epoch.Load()
	}
	s.cache.putGrant(d, grant{uid: u.ID}, epoch)
	return true, nil
}

// LoginInteractive is the web login: the password only, never an API key,
// as in every Odoo version.
func (s *Service) LoginInteractive(ctx context.Context, login, password, ip string) (*okapi.User, error) {
	if err := s.holdPassword(ctx, PathWebLogin, ip, login); err != nil {
		return nil, err
	}
	key := loginKey(login)
	u, err := s.userByLogin(ctx, login)
	if errors.Is(err, okapi.ErrNotFound) {
		// Spend a password check so an unknown login takes as long.
		_, _, _ = secret.VerifyPassword(ctx, password, timingHash)
		s.fail(ctx, PathWebLogin, ip, key, login, "unknown login")
		return nil, okapi.ErrAccessDenied
	}
	if err != nil {
		return nil, err
	}
	ok := false
	if u.Active {
		ok, err = s.checkPassword(ctx, u, password)
		if err != nil {
			return nil, err
		}
	}
	if !ok {
		s.fail(ctx, PathWebLogin, ip, key, login, "")
		return nil, okapi.ErrAccessDenied
	}
	return s.loggedIn(u, ip, "password"), nil
}

// CheckIdentity re-checks a logged-in user's password before a sensitive
// action (Odoo's identity check): password only. A wrong password is Odoo's
// UserError text from 15 on, the bare "Access Denied" in 14.
func (s *Service) CheckIdentity(ctx context.Context, u *okapi.User, password, ip string) error {
	return s.checkIdentity(ctx, u, password, ip, nil)
}

// checkIdentity is CheckIdentity, and CheckIdentityGateway with up.
func (s *Service) checkIdentity(ctx context.Context, u *okapi.User, password, ip string, up Upstream) error {
	if err := s.holdPassword(ctx, "", ip, u.Login); err != nil {
		return err
	}
	key := loginKey(u.Login)
	ok, err := s.checkPassword(ctx, u, password)
	if err != nil {
		return err
	}
	if !ok && up != nil {
		if ok, err = s.upstreamIdentity(ctx, u, password, up); err != nil {
			return err
		}
	}
	if !ok {
		s.fail(ctx, PathIdentity, ip, key, u.Login, "")
		if s.profile.IdentityDeniedPlain {
			return okapi.ErrAccessDenied
		}
		return okapi.Errorf(okapi.EUser, "Incorrect Password, try again or click on Forgot Password to reset your password.")
	}
	s.limiter.succeed(ip, u.Login)
	return nil
}

// upstreamIdentity checks password as the Odoo password of the upstream
// user u answers for: false when there is none, or the upstream refuses;
// an error when the upstream could not say.
func (s *Service) upstreamIdentity(ctx context.Context, u *okapi.User, password string, up Upstream) (bool, error) {
	upLogin, uid, has, err := up.Account(ctx, u.ID)
	if err != nil || !has || upLogin != u.Login || password == "" {
		return false, err
	}
	got, err := up.CheckPassword(ctx, upLogin, password)
	if errors.Is(err, okapi.ErrAccessDenied) {
		return false, nil
	}
	return err == nil && got == uid, err
}

// holdPassword refuses to check a password for login from ip during a
// cooldown (see Cooldown), counting the refusal on path ("" for none). An
// attempt held back by the login's count alone counts against the address,
// so that one address cannot keep trying.
func (s *Service) holdPassword(ctx context.Context, path, ip, login string) error {
	err := s.limiter.gate(ctx, ip, login)
	if err == nil {
		return nil
	}
	if path != "" {
		s.metrics.KeyCheck(path, "cooldown")
	}
	if s.limiter.check(ip) == nil {
		s.limiter.failure(ip, "")
	}
	return err
}

// timingHash is a valid argon2id hash of a random password, checked against
// when a login does not exist.
var timingHash = "$argon2id$v=19$m=12288,t=3,p=1$c2FsdHNhbHRzYWx0c2FsdA$8Hq4w5Q8ZQ2mJ8mAq4V2vQ0Gm0nP3l2jv1cF1mFQ8xI"

// fail records a failed check: the log line Odoo writes (with, beyond Odoo,
// why, so that an administrator can tell a user what to fix), the audit
// entry and the cooldown count. None of it waits for the database: the audit
// entry and the counts are written in the background, so that a flood of
// failures costs the server no more than the checks themselves.
func (s *Service) fail(ctx context.Context, path, ip, key, login, why string) {
	login = okapi.CapIdent(login)
	s.log.Info("Login failed", "login", login, "ip", ip, "path", path, "why", why)
	s.audit(okapi.AuditEntry{At: s.now().UTC(), Kind: okapi.AuditLoginFailed, Login: login, IP: ip, Detail: strings.TrimSpace(path + " " + why)})
	for _, started := range s.limiter.failure(ip, key) {
		s.metrics.CooldownStarted()
		s.log.Warn("Login attempts ignored during a cooldown: too many failures", "who", started,
			"seconds", int(s.limiter.cfg.Duration.Seconds()))
		s.audit(okapi.AuditEntry{At: s.now().UTC(), Kind: okapi.AuditCooldown, Login: login, IP: ip, Detail: started})
	}
}

// why words, for the log and the audit entry, why a secret presented for u
// was refused: what the holder of a key could learn from key-status anyway.
// It never holds the secret.
func (s *Service) why(ctx context.Context, u *okapi.User, secretText string) string {
	switch {
	case !u.Active:
		return "archived user"
	case u.TOTP && !okapi.LooksLikeKey(secretText):
		return "password refused: two-factor authentication is on, API keys only"
	case !okapi.LooksLikeKey(secretText):
		return "wrong password"
	}
	st, err := s.keyState(ctx, secretText)
	if err != nil {
		return ""
	}
	switch st.Status {
	case StateUnknown:
		return "wrong password or unknown key"
	case StateValid:
		if st.Login != u.Login {
			return "key of another user (" + st.Login + ")"
		}
		return ""
	case StateExpired:
		return "expired key"
	case StateRevoked:
		return "revoked key"
	case StateScoped:
		return "key limited to scope " + st.Scope
	}
	return st.Status
}
