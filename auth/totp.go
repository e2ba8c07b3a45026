package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/totp"
)

// Two-factor authentication, as Odoo's auth_totp has it: once on, the web
// login asks for a code after the password, and the password no longer
// works over RPC — API keys only (checkSecret). The codes themselves are
// checked in package totp; here are the rules around them: who may turn
// 2FA on and off, the cooldown that wrong codes count towards, a code
// accepted once only, and the trusted devices that skip the code.

// PathTOTP names the second login step, for metrics and the audit log.
const PathTOTP = "totp"

// Odoo's messages (auth_totp, 14–19; the replay message is Odoo 19's,
// the first version that refuses a code twice).
const (
	MsgTOTPWrong      = "Verification failed, please double-check the 6-digit code"
	MsgTOTPReplay     = "Verification failed, please use the latest 6-digit code"
	MsgTOTPFormat     = "Invalid authentication code format."
	MsgTOTPDigits     = "The verification code should only contain numbers"
	MsgTOTPAlready    = "Two-factor authentication already enabled"
	MsgTOTPOnlySelf   = "Two-factor authentication can only be enabled for yourself"
	msgTOTPSetupStale = "This activation has expired: close the dialog and start again."
)

// DeviceAge is how long a trusted device skips the code: Odoo's
// TRUSTED_DEVICE_AGE, 90 days.
const DeviceAge = 90 * 24 * time.Hour

// setupAge is how long an activation dialog stays valid.
const setupAge = time.Hour

// Purposes of sealed secrets: the one in the table, and the one an open
// activation dialog carries until a code proves it.
const (
	sealStored  = "stored"
	sealPending = "pending"
)

// sealer encrypts 2FA secrets under a key derived from the server secret,
// which is never in the database: a copy of the database alone gives no
// secret away.
func (s *Service) sealer() *totp.Sealer {
	sl, err := totp.NewSealer(s.hasher.Sign("totp secret encryption", nil))
	if err != nil {
		panic("auth: a 32-byte signing key is refused by the AEAD") // cannot happen
	}
	return sl
}

// TOTPSetup is what the activation dialog shows: the QR code, the secret
// for "Cannot scan it?", and the token the form sends back with the code.
type TOTPSetup struct {
	Secret string // in groups of four
	URI    string // otpauth://
	QR     []byte // PNG
	// Token carries the secret, sealed and bound to the user, from the
	// dialog to the form that activates it: nothing is stored before a
	// code proves the app has the secret, and any node may take the form.
	Token string
}

// BeginTOTP draws up a new secret for u's activation dialog. Only the user
// themself turns 2FA on, as in Odoo; the caller has made the identity check.
func (s *Service) BeginTOTP(ctx context.Context, u *okapi.User, issuer string) (*TOTPSetup, error) {
	if u.TOTP {
		return nil, okapi.Errorf(okapi.EUser, MsgTOTPAlready)
	}
	secret := totp.NewSecret()
	uri := totp.URI(issuer, u.Login, secret)
	qr, err := totp.QR(uri, 200)
	if err != nil {
		return nil, err
	}
	until := strconv.FormatInt(s.now().Add(setupAge).Unix(), 10)
	return &TOTPSetup{Secret: totp.Group(secret), URI: uri, QR: qr,
		Token: s.sealer().Seal(secret+"|"+until, sealPending, u.ID)}, nil
}

// EnableTOTP turns 2FA on for u with the secret of their dialog, once code
// proves their app has it. A wrong code counts towards the cooldown, as a
// wrong password does, and the dialog stays open with Odoo's message.
func (s *Service) EnableTOTP(ctx context.Context, u *okapi.User, token, code, ip string) error {
	key := codeKey(u.Login)
	if err := s.limiter.checkCode(ip, u.Login); err != nil {
		return err
	}
	if u.TOTP {
		return okapi.Errorf(okapi.EUser, MsgTOTPAlready)
	}
	plain, err := s.sealer().Open(token, sealPending, u.ID)
	secret, until, ok := strings.Cut(plain, "|")
	exp, _ := strconv.ParseInt(until, 10, 64)
	if err != nil || !ok || s.now().Unix() > exp {
		return okapi.Errorf(okapi.EUser, msgTOTPSetupStale)
	}
	step, err := totp.Check(secret, code, s.now())
	switch {
	case errors.Is(err, totp.ErrFormat):
		return okapi.Errorf(okapi.EUser, MsgTOTPDigits)
	case errors.Is(err, totp.ErrWrong):
		s.fail(ctx, PathTOTP, ip, key, u.Login, "wrong 2FA code at activation")
		return okapi.Errorf(okapi.EUser, MsgTOTPWrong)
	case err != nil:
		return err
	}
	if err := s.storeTOTP(ctx, u.ID, u, secret, step, ip); err != nil {
		return err
	}
	s.limiter.codeSucceeded(ip, u.Login)
	return nil
}

// EnableTOTPSecret turns 2FA on for uid with a new secret, without a code:
// the operator's `okapi user 2fa --enable`, which prints the otpauth://
// address for the person (or a test) to load into their app.
func (s *Service) EnableTOTPSecret(ctx context.Context, uid int64, issuer string) (string, error) {
	u, err := s.store.UserByID(ctx, uid)
	if err != nil {
		return "", err
	}
	if u.TOTP {
		return "", okapi.Errorf(okapi.EUser, MsgTOTPAlready)
	}
	secret := totp.NewSecret()
	if err := s.storeTOTP(ctx, 0, u, secret, 0, ""); err != nil {
		return "", err
	}
	return totp.URI(issuer, u.Login, secret), nil
}

// storeTOTP keeps u's secret, sealed; actor is who turned it on (0: the
// operator).
func (s *Service) storeTOTP(ctx context.Context, actor int64, u *okapi.User, secret string, step int64, ip string) error {
	sealed := s.sealer().Seal(secret, sealStored, u.ID)
	audit := okapi.AuditEntry{At: s.now().UTC(), Kind: okapi.AuditTOTPEnabled, ActorID: actor, UserID: u.ID, Login: u.Login, IP: ip}
	ok, err := s.store.EnableTOTP(ctx, u.ID, sealed, step, audit)
	if err != nil {
		return err
	}
	s.cache.invalidateUser(u.ID)
	if !ok {
		return okapi.Errorf(okapi.EUser, MsgTOTPAlready)
	}
	s.log.Info("2FA enabled", "login", u.Login)
	return nil
}

// DisableTOTP turns 2FA off for uid and forgets its trusted devices: the
// user themself (after the identity check), an administrator for anyone
// (Odoo's "Disable two-factor authentication" action on the users list),
// or the operator (actor nil). It reports whether 2FA was on.
func (s *Service) DisableTOTP(ctx context.Context, actor *okapi.User, uid int64, ip string) (bool, error) {
	if actor != nil && actor.ID != uid && !actor.Admin() {
		return false, okapi.Errorf(okapi.EAccess, "Only administrators can turn off two-factor authentication for someone else.")
	}
	u, err := s.store.UserByID(ctx, uid)
	if err != nil {
		return false, err
	}
	ok, err := s.store.DisableTOTP(ctx, uid, okapi.AuditEntry{At: s.now().UTC(), Kind: okapi.AuditTOTPDisabled,
		ActorID: actorID(actor), UserID: uid, Login: u.Login, IP: ip})
	if err != nil {
		return false, err
	}
	s.cache.invalidateUser(uid)
	if ok {
		s.log.Info("2FA disabled", "login", u.Login, "by", actorID(actor))
	}
	return ok, nil
}

// CheckTOTP is the second login step: code must be u's current code (or
// the one before or after, for clock drift, as in Odoo), and newer than
// the last code accepted — a code works once, even on another node. Wrong
// and replayed codes count towards the cooldown.
func (s *Service) CheckTOTP(ctx context.Context, u *okapi.User, code, ip string) error {
	key := codeKey(u.Login)
	if err := s.limiter.checkCode(ip, u.Login); err != nil {
		s.metrics.KeyCheck(PathTOTP, "cooldown")
		return err
	}
	sealed, _, err := s.store.TOTPSecret(ctx, u.ID)
	if errors.Is(err, okapi.ErrNotFound) {
		// Turned off since the password step: log in again.
		return &okapi.Error{Code: okapi.EAccessDenied, Message: MsgTOTPWrong}
	}
	if err != nil {
		return err
	}
	secret, err := s.sealer().Open(sealed, sealStored, u.ID)
	if err != nil {
		// Another server secret, or an altered row: never a match.
		s.log.Warn("a 2FA secret does not open under this server secret", "login", u.Login)
		return &okapi.Error{Code: okapi.EAccessDenied, Message: MsgTOTPWrong}
	}
	step, err := totp.Check(secret, code, s.now())
	switch {
	case errors.Is(err, totp.ErrFormat):
		return &okapi.Error{Code: okapi.EAccessDenied, Message: MsgTOTPFormat}
	case errors.Is(err, totp.ErrWrong):
		s.metrics.KeyCheck(PathTOTP, "denied")
		s.fail(ctx, PathTOTP, ip, key, u.Login, "wrong 2FA code")
		return &okapi.Error{Code: okapi.EAccessDenied, Message: MsgTOTPWrong}
	case err != nil:
		return err
	}
	fresh, err := s.store.SpendTOTPCounter(ctx, u.ID, step)
	if err != nil {
		return err
	}
	if !fresh {
		s.metrics.KeyCheck(PathTOTP, "denied")
		s.fail(ctx, PathTOTP, ip, key, u.Login, "2FA code used already")
		return &okapi.Error{Code: okapi.EAccessDenied, Message: MsgTOTPReplay}
	}
	s.metrics.KeyCheck(PathTOTP, "ok")
	s.limiter.codeSucceeded(ip, u.Login)
	return nil
}

// TrustDevice remembers the browser that just passed the second step
// ("Don't ask again on this device") for DeviceAge. The secret returned is
// the cookie's value: stored only as its keyed hash, like an API key, and
// under its own scope, so it opens no API.
func (s *Service) TrustDevice(ctx context.Context, u *okapi.User, name, ip string) (string, error) {
	secret, err := okapi.GenerateKey()
	if err != nil {
		return "", err
	}
	now := s.now().UTC().Truncate(time.Second)
	if len(name) > 256 {
		name = name[:256]
	}
	d := &okapi.TrustedDevice{UserID: u.ID, Name: name, Scope: okapi.DeviceScope, CreateDate: now, Expiration: now.Add(DeviceAge)}
	if err := s.store.InsertDevice(ctx, d, s.hasher.KeyHash(secret)); err != nil {
		return "", err
	}
	s.audit(okapi.AuditEntry{At: now, Kind: okapi.AuditDeviceTrusted, ActorID: u.ID, UserID: u.ID, Login: u.Login, IP: ip, Detail: d.Name})
	return secret, nil
}

// DeviceTrusted reports whether cookie is a trusted device of u's that has
// not expired or been revoked.
func (s *Service) DeviceTrusted(ctx context.Context, u *okapi.User, cookie string) bool {
	if !okapi.LooksLikeKey(cookie) {
		return false
	}
	d, err := s.store.DeviceByHash(ctx, s.hasher.KeyHash(cookie), s.now().UTC())
	return err == nil && d.UserID == u.ID
}

// Devices lists uid's trusted devices: the user themself or an
// administrator.
func (s *Service) Devices(ctx context.Context, actor *okapi.User, uid int64) ([]*okapi.TrustedDevice, error) {
	if actor != nil && actor.ID != uid && !actor.Admin() {
		return nil, okapi.Errorf(okapi.EAccess, "You can only see your own devices.")
	}
	return s.store.ListDevices(ctx, uid, s.now().UTC())
}

// RevokeDevices forgets uid's trusted device id, or all of them for id 0:
// the next login from there asks for a code again.
func (s *Service) RevokeDevices(ctx context.Context, actor *okapi.User, uid, id int64, ip string) (int64, error) {
	if actor != nil && actor.ID != uid && !actor.Admin() {
		return 0, okapi.Errorf(okapi.EAccess, "You can only revoke your own devices.")
	}
	n, err := s.store.DeleteDevices(ctx, uid, id)
	if err != nil {
		return 0, err
	}
	if n > 0 {
		s.audit(okapi.AuditEntry{At: s.now().UTC(), Kind: okapi.AuditDeviceRevoked, ActorID: actorID(actor), UserID: uid, IP: ip,
			Detail: strconv.FormatInt(n, 10) + " trusted device(s)"})
	}
	return n, nil
}

// pendingAge is how long the second login step waits for its code after
// the password was right.
const pendingAge = 10 * time.Minute

// PendingLogin returns the token that carries u from the password to the
// second step (Odoo's session pre_uid): signed under the server secret and
// valid ten minutes, so that any node can take the code without a session
// in between, and nothing but the code step accepts it.
func (s *Service) PendingLogin(u *okapi.User) string {
	nonce, _ := okapi.GenerateKey()
	msg := strconv.FormatInt(u.ID, 10) + "." + strconv.FormatInt(s.now().Add(pendingAge).Unix(), 10) + "." + nonce[:16]
	return msg + "." + base64URL(s.hasher.Sign("totp pending login", []byte(msg)))
}

// PendingUser returns the user of a PendingLogin token still valid, who
// must still be active and have 2FA on; okapi.ErrAccessDenied otherwise.
func (s *Service) PendingUser(ctx context.Context, token string) (*okapi.User, error) {
	i := strings.LastIndexByte(token, '.')
	if i < 0 || len(token) > 200 {
		return nil, okapi.ErrAccessDenied
	}
	msg, sig := token[:i], token[i+1:]
	if !s.hasher.VerifySignature("totp pending login", []byte(msg), unbase64URL(sig)) {
		return nil, okapi.ErrAccessDenied
	}
	parts := strings.Split(msg, ".")
	if len(parts) != 3 {
		return nil, okapi.ErrAccessDenied
	}
	uid, err1 := strconv.ParseInt(parts[0], 10, 64)
	until, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil || s.now().Unix() > until {
		return nil, okapi.ErrAccessDenied
	}
	u, err := s.User(ctx, uid)
	if err != nil || !u.Active || !u.TOTP {
		return nil, okapi.ErrAccessDenied
	}
	return u, nil
}

// SetupFromToken draws the activation dialog again for the secret an open
// dialog carries (after a wrong code, the same QR code stays on screen).
func (s *Service) SetupFromToken(u *okapi.User, token, issuer string) (*TOTPSetup, error) {
	plain, err := s.sealer().Open(token, sealPending, u.ID)
	secret, _, ok := strings.Cut(plain, "|")
	if err != nil || !ok {
		return nil, okapi.Errorf(okapi.EUser, msgTOTPSetupStale)
	}
	uri := totp.URI(issuer, u.Login, secret)
	qr, err := totp.QR(uri, 200)
	if err != nil {
		return nil, err
	}
	return &TOTPSetup{Secret: totp.Group(secret), URI: uri, QR: qr, Token: token}, nil
}

func base64URL(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func unbase64URL(s string) []byte {
	b, _ := base64.RawURLEncoding.DecodeString(s)
	return b
}
