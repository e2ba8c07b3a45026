package auth

import (
	"context"
	"errors"
	"strconv"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/secret"
)

// ErrNotLocal says a credential is none of this server's, for a gateway
// that forwards such credentials unchanged (--passthrough): no failure was
// counted, the caller counts one if the upstream refuses too.
var ErrNotLocal = errors.New("not a credential of this server")

// AuthenticateFront is Authenticate for a gateway. With passThrough, a
// login or secret this server does not know is ErrNotLocal, not a failure:
// the gateway forwards it and counts a failure (RecordFailure) only if the
// upstream refuses it too. The cooldown applies first either way.
func (s *Service) AuthenticateFront(ctx context.Context, login, secretText, ip string, passThrough bool) (int64, error) {
	return s.authenticate(ctx, login, secretText, ip, passThrough)
}

// CheckKeyFor is CheckUID for a gateway, whose tools know the upstream's
// uid: the secret must be an RPC key (never a password) whose owner owns
// says carries uid. Failures count against the uid. With passThrough, a
// secret that is no key of this server is ErrNotLocal, uncounted.
func (s *Service) CheckKeyFor(ctx context.Context, uid int64, secretText, ip string, passThrough bool,
	owns func(context.Context, *okapi.User) (bool, error)) (*okapi.User, error) {
	// A key is checked whatever the cooldowns: a correct one is never
	// refused because of failures others caused.
	key := uidKey(uid)
	u, err := s.CheckKey(ctx, secretText, okapi.ScopeRPC, ip)
	if errors.Is(err, okapi.ErrAccessDenied) {
		if passThrough {
			return nil, s.forwardable(ip, PathExecute, secretText)
		}
		s.metrics.KeyCheck(PathExecute, "denied")
		s.fail(ctx, PathExecute, ip, key, "", "unknown key for upstream uid "+strconv.FormatInt(uid, 10))
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	ok, err := owns(ctx, u)
	if err != nil {
		return nil, err
	}
	if !ok {
		s.metrics.KeyCheck(PathExecute, "denied")
		s.fail(ctx, PathExecute, ip, key, u.Login, "key of a user not linked to upstream uid "+strconv.FormatInt(uid, 10))
		return nil, okapi.ErrAccessDenied
	}
	s.metrics.KeyCheck(PathExecute, "ok")
	s.limiter.succeed(ip, u.Login)
	return u, nil
}

// CheckBearerFront is CheckBearer for a gateway: with passThrough, a key
// that is none of this server's is ErrNotLocal, uncounted.
func (s *Service) CheckBearerFront(ctx context.Context, secretText, ip string, passThrough bool) (*okapi.User, error) {
	if !passThrough {
		return s.CheckBearer(ctx, secretText, ip)
	}
	u, err := s.CheckKey(ctx, secretText, okapi.ScopeRPC, ip)
	if errors.Is(err, okapi.ErrAccessDenied) {
		return nil, s.forwardable(ip, PathBearer, secretText)
	}
	if err == nil {
		s.metrics.KeyCheck(PathBearer, "ok")
	}
	return u, err
}

// forwardable is ErrNotLocal for a credential of no local user that the
// gateway may forward, or the cooldown's error while ip is in one. A
// key-shaped secret is always forwarded (it may be the upstream's key, and
// no key waits for a cooldown); anything else may be a password, and the
// address's cooldown holds it back.
func (s *Service) forwardable(ip, path, secretText string) error {
	if okapi.LooksLikeKey(secretText) {
		return ErrNotLocal
	}
	if err := s.limiter.check(ip); err != nil {
		s.metrics.KeyCheck(path, "cooldown")
		return err
	}
	return ErrNotLocal
}

// RecordFailure counts a failed credential the gateway forwarded and the
// upstream refused: the log line, the audit entry and the cooldown, as for
// a local failure. login may be empty (counted against the address), or
// a uid's "uid:N".
func (s *Service) RecordFailure(ctx context.Context, path, ip, login, why string) {
	key := ""
	if login != "" {
		key = loginKey(login)
	}
	s.fail(ctx, path, ip, key, login, why)
}

// RecordSuccess is the other half of RecordFailure: a forwarded credential
// the upstream accepted clears ip's count, as a local success does (Odoo's
// rule), and, with a login, makes ip known for that login.
func (s *Service) RecordSuccess(ip, login string) { s.limiter.succeed(ip, login) }

// Digest is the server's keyed digest of a secret: a gateway uses it to
// name a forwarded credential (in a cache, a rate bucket) without keeping
// the credential.
func (s *Service) Digest(secretText string) secret.Digest { return s.hasher.Digest(secretText) }
