package auth

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/okapi-erp/okapi"
)

// ParamPortalKeys is the system parameter that lets portal users create keys
// (Odoo 15+ "Customers can generate API Keys").
const ParamPortalKeys = "portal.allow_api_keys"

// KeyRequest asks for a new key.
type KeyRequest struct {
	UserID int64 // owner; 0 means the actor
	Name   string
	Scope  string // "" for every scope, as keys made in the web pages
	// Days is the chosen duration (Odoo 18+): 1, 7, 30, 90, 180, 365;
	// 0 for a persistent key; -1 for the custom date in Expires.
	Days    int
	Expires time.Time
	IP      string
	// Policy limits the key beyond its scope (models, addresses, rate);
	// nil limits nothing.
	Policy *okapi.Policy
}

// KeyPolicy is what a user may choose when creating a key.
type KeyPolicy struct {
	// Expiring is false before Odoo 18: keys never expire.
	Expiring bool
	// Persistent: the user may create keys that never expire
	// (administrators, 18+).
	Persistent bool
	// MaxDays is the longest duration the user may choose (18+).
	MaxDays float64
	// Choices are the durations offered, in order.
	Choices []okapi.Duration
	// Allowed is false when the user may not create keys at all.
	Allowed bool
	// Refusal explains why not.
	Refusal string
}

// Policy returns what u may choose when creating a key.
func (s *Service) Policy(ctx context.Context, u *okapi.User) (KeyPolicy, error) {
	p := KeyPolicy{Expiring: s.profile.KeysExpire, Allowed: true}
	if err := s.mayCreate(ctx, u); err != nil {
		p.Allowed, p.Refusal = false, okapi.ErrorMessage(err)
	}
	if !p.Expiring {
		p.Persistent = true
		return p, nil
	}
	groups, err := s.store.GroupsOf(ctx, u.ID)
	if err != nil {
		return p, err
	}
	p.Persistent = u.Admin()
	p.MaxDays = okapi.MaxKeyDays(groups)
	p.Choices = okapi.DurationChoices(u.Admin(), p.MaxDays)
	return p, nil
}

// mayCreate applies Odoo's rule: internal users may create keys; portal
// users only when the portal option is on (15+).
func (s *Service) mayCreate(ctx context.Context, u *okapi.User) error {
	if u.Internal() {
		return nil
	}
	if s.profile.Version >= 15 && u.Portal() {
		on, err := s.PortalKeysAllowed(ctx)
		if err != nil {
			return err
		}
		if on {
			return nil
		}
	}
	if s.profile.Version >= 15 {
		if on, _ := s.PortalKeysAllowed(ctx); on {
			return okapi.Errorf(okapi.EAccess, "Only internal and portal users can create API keys")
		}
	}
	return okapi.Errorf(okapi.EAccess, "Only internal users can create API keys")
}

// PortalKeysAllowed reports the portal option.
func (s *Service) PortalKeysAllowed(ctx context.Context) (bool, error) {
	v, err := s.store.Param(ctx, ParamPortalKeys)
	if err != nil {
		return false, err
	}
	return v != "" && v != "0" && v != "False" && v != "false", nil
}

// SetPortalKeysAllowed turns the portal option on or off (administrators).
func (s *Service) SetPortalKeysAllowed(ctx context.Context, actor *okapi.User, on bool) error {
	if actor != nil && !actor.Admin() {
		return okapi.Errorf(okapi.EAccess, "Only administrators can change this setting.")
	}
	v := ""
	if on {
		v = "True"
	}
	return s.store.SetParam(ctx, ParamPortalKeys, v)
}

// CreateKey makes a key and returns its secret, which exists nowhere else:
// the caller shows it once. actor is the user asking (nil: the operator on
// the command line, who may set any duration and scope for any user).
func (s *Service) CreateKey(ctx context.Context, actor *okapi.User, req KeyRequest) (string, *okapi.Key, error) {
	return s.createKey(ctx, actor, req, false)
}

// createKey is CreateKey; serverExpiry says the server, not the person,
// chose the duration in req.Days (the mail add-ins' keys), so the groups'
// maximum duration does not apply.
func (s *Service) createKey(ctx context.Context, actor *okapi.User, req KeyRequest, serverExpiry bool) (string, *okapi.Key, error) {
	if err := okapi.ValidKeyName(req.Name); err != nil {
		return "", nil, err
	}
	if err := okapi.ValidScope(req.Scope); err != nil {
		return "", nil, err
	}
	ownerID := req.UserID
	if ownerID == 0 {
		if actor == nil {
			return "", nil, okapi.Errorf(okapi.EUser, "A key needs an owner.")
		}
		ownerID = actor.ID
	}
	owner, err := s.User(ctx, ownerID)
	if err != nil {
		return "", nil, err
	}
	if !owner.Active {
		return "", nil, okapi.Errorf(okapi.EUser, "User %s is archived: restore the user before creating a key.", owner.Login)
	}
	if owner.ID == okapi.SuperuserID {
		return "", nil, okapi.Errorf(okapi.EUser, "The system user cannot have API keys.")
	}
	now := s.now().UTC()
	var exp time.Time
	if serverExpiry {
		if s.profile.KeysExpire && req.Days > 0 {
			exp = now.AddDate(0, 0, req.Days).Truncate(time.Second)
		}
	} else if exp, err = s.expiration(ctx, actor, owner, req, now); err != nil {
		return "", nil, err
	}
	if actor != nil {
		if actor.ID != owner.ID && !actor.Admin() {
			return "", nil, okapi.Errorf(okapi.EAccess, "You can only create API keys for yourself.")
		}
		if err := s.mayCreate(ctx, owner); err != nil {
			return "", nil, err
		}
	}
	plain, err := okapi.GenerateKey()
	if err != nil {
		return "", nil, err
	}
	var pol *okapi.Policy
	if !req.Policy.Empty() {
		pol = req.Policy
	}
	k := &okapi.Key{UserID: owner.ID, Name: req.Name, Scope: req.Scope, Index: okapi.KeyIndex(plain),
		CreateDate: now.Truncate(time.Second), ExpirationDate: exp, Login: owner.Login, UserName: owner.Name, Policy: pol}
	detail := "scope " + scopeText(k.Scope) + ", " + expiryText(exp)
	if pol != nil {
		detail += ", policy: " + pol.String()
	}
	audit := okapi.AuditEntry{At: now, Kind: okapi.AuditKeyCreated, ActorID: actorID(actor), Login: owner.Login, IP: req.IP,
		Detail: detail}
	if err := s.store.InsertKey(ctx, k, s.hasher.KeyHash(plain), audit); err != nil {
		return "", nil, err
	}
	s.log.Info("Users API Keys generated", "scope", scopeText(k.Scope), "login", owner.Login, "uid", owner.ID, "key_id", k.ID, "ip", ipText(req.IP))
	return plain, k, nil
}

// expiration computes and checks a key's expiration with Odoo 18+'s rules:
// administrators may choose anything; everyone else needs a date no further
// than their groups' longest duration. Before 18 keys never expire.
func (s *Service) expiration(ctx context.Context, actor, owner *okapi.User, req KeyRequest, now time.Time) (time.Time, error) {
	var exp time.Time
	switch {
	case req.Days > 0:
		exp = okapi.ExpirationFor(now, req.Days)
	case req.Days < 0:
		if req.Expires.IsZero() {
			return exp, s.durationError("The API key must have an expiration date")
		}
		exp = req.Expires.UTC().Truncate(time.Second)
	}
	if !s.profile.KeysExpire {
		if !exp.IsZero() {
			return exp, okapi.Errorf(okapi.EUser, "Keys do not expire in Odoo %d: leave out the duration (expiring keys exist from Odoo 18 on).", s.profile.Version)
		}
		return exp, nil
	}
	if actor == nil || actor.Admin() {
		return exp, nil
	}
	if exp.IsZero() {
		return exp, s.durationError("The API key must have an expiration date")
	}
	if !exp.After(now) {
		// Odoo would make a key that never works; say so instead.
		return exp, s.durationError("The expiration date must be in the future.")
	}
	groups, err := s.store.GroupsOf(ctx, owner.ID)
	if err != nil {
		return exp, err
	}
	maxDays := okapi.MaxKeyDays(groups)
	limit := now.Add(time.Duration(maxDays * float64(24*time.Hour)))
	if exp.After(limit) {
		return exp, s.durationError("You cannot exceed " + pyFloat(maxDays) + " days.")
	}
	return exp, nil
}

// durationError is a UserError in 18 and a ValidationError from 19 on.
func (s *Service) durationError(msg string) error {
	if s.profile.Version >= 19 {
		return &okapi.Error{Code: okapi.EValidation, Message: msg}
	}
	return &okapi.Error{Code: okapi.EUser, Message: msg}
}

// pyFloat prints a float as Python's str() does ("90.0", "0.5").
func pyFloat(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return s
		}
	}
	return s + ".0"
}

// RevokeKey deletes a key: its owner or an administrator may (the operator
// when actor is nil). The key stops working on the very next request in this
// process, and within a poll interval everywhere else.
func (s *Service) RevokeKey(ctx context.Context, actor *okapi.User, keyID int64, ip string) (*okapi.Key, error) {
	k, err := s.keyRecord(ctx, actor, keyID)
	if err != nil {
		return nil, err
	}
	if actor != nil && actor.ID != k.UserID && !actor.Admin() {
		return nil, okapi.Errorf(okapi.EAccess, "You can not remove API keys unless they're yours or you are a system user")
	}
	audit := okapi.AuditEntry{At: s.now().UTC(), Kind: okapi.AuditKeyRevoked, ActorID: actorID(actor), IP: ip}
	k, err = s.store.DeleteKey(ctx, keyID, audit)
	if err != nil {
		return nil, err
	}
	s.cache.invalidateKey(keyID)
	who := "operator"
	if actor != nil {
		who = actor.Login
	}
	s.log.Info("API key(s) removed", "scope", scopeText(k.Scope), "by", who, "key_id", k.ID, "owner", k.Login, "ip", ipText(ip))
	return k, nil
}

// keyRecord reads a key, or gives Odoo's MissingError for one that is gone.
func (s *Service) keyRecord(ctx context.Context, actor *okapi.User, keyID int64) (*okapi.Key, error) {
	k, err := s.store.KeyByID(ctx, keyID)
	if errors.Is(err, okapi.ErrNotFound) {
		return nil, okapi.Errorf(okapi.EMissing, "Record does not exist or has been deleted.\n(Record: res.users.apikeys(%d,), User: %d)", keyID, actorID(actor))
	}
	return k, err
}

// RotateRequest asks for a key's replacement.
type RotateRequest struct {
	// Overlap is how long the old key keeps working next to the new one,
	// so that the tools using it can be switched over; 0 revokes it at once.
	// It never lengthens the old key's life.
	Overlap time.Duration
	// Days and Expires choose the new key's expiry as in KeyRequest; with
	// neither (Days 0 and Expires zero, Keep true) the new key gets the old
	// one's duration: persistent stays persistent, 30 days gives 30 days.
	Keep    bool
	Days    int
	Expires time.Time
	IP      string
}

// Rotation is the outcome of RotateKey.
type Rotation struct {
	Secret  string     // the new key, shown once
	New     *okapi.Key // its record
	Old     *okapi.Key // the old key's record, after the change
	OldEnds time.Time  // when the old key stops working
}

// RotateKey replaces a key with a new one of the same owner, name and
// scope (Stripe's "roll", GitLab's "rotate"): the new key is created, and
// the old one ends after the overlap. Its owner or an administrator may;
// the operator when actor is nil. The new key follows the same rules as
// CreateKey (in 18+ a user's groups bound its duration).
func (s *Service) RotateKey(ctx context.Context, actor *okapi.User, keyID int64, req RotateRequest) (*Rotation, error) {
	old, err := s.keyRecord(ctx, actor, keyID)
	if err != nil {
		return nil, err
	}
	if actor != nil && actor.ID != old.UserID && !actor.Admin() {
		return nil, okapi.Errorf(okapi.EAccess, "You can only rotate your own API keys.")
	}
	now := s.now().UTC()
	if !old.ExpirationDate.IsZero() && !old.ExpirationDate.After(now) {
		return nil, okapi.Errorf(okapi.EUser, "The API key %q has expired: create a new one instead.", old.Name)
	}
	if req.Overlap < 0 {
		return nil, okapi.Errorf(okapi.EUser, "The overlap cannot be negative.")
	}
	kr := KeyRequest{UserID: old.UserID, Name: old.Name, Scope: old.Scope, Days: req.Days, Expires: req.Expires, IP: req.IP, Policy: old.Policy}
	if req.Keep && s.profile.KeysExpire && !old.ExpirationDate.IsZero() {
		// The old key's duration, in whole days, from now.
		kr.Days = max(1, int(math.Ceil(old.ExpirationDate.Sub(old.CreateDate).Hours()/24)))
	}
	secret, nk, err := s.CreateKey(ctx, actor, kr)
	if err != nil {
		return nil, err
	}
	rot := &Rotation{Secret: secret, New: nk}
	if req.Overlap == 0 {
		k, err := s.RevokeKey(ctx, actor, old.ID, req.IP)
		if err != nil {
			return nil, err
		}
		rot.Old, rot.OldEnds = k, now
		return rot, nil
	}
	// The database keeps whole seconds, and a key is refused from the
	// instant it ends: round up, so the old key works at least as long as
	// asked.
	ends := now.Add(req.Overlap)
	if t := ends.Truncate(time.Second); !t.Equal(ends) {
		ends = t.Add(time.Second)
	}
	if !old.ExpirationDate.IsZero() && old.ExpirationDate.Before(ends) {
		ends = old.ExpirationDate
	}
	audit := okapi.AuditEntry{At: now, Kind: okapi.AuditKeyRotated, ActorID: actorID(actor), IP: req.IP,
		Detail: fmt.Sprintf("replaced by key %d; works until %s", nk.ID, ends.Format("2006-01-02 15:04:05"))}
	k, err := s.store.EndKeyAt(ctx, old.ID, ends, audit)
	if err != nil {
		return nil, err
	}
	s.cache.invalidateKey(old.ID)
	s.log.Info("API key rotated", "key_id", old.ID, "new_key_id", nk.ID, "owner", old.Login, "ends", ends, "ip", ipText(req.IP))
	rot.Old, rot.OldEnds = k, ends
	return rot, nil
}

// Keys lists keys: a user's own, or everyone's (userID 0) for
// administrators and the operator.
func (s *Service) Keys(ctx context.Context, actor *okapi.User, userID int64) ([]*okapi.Key, error) {
	if actor != nil && !actor.Admin() && userID != actor.ID {
		return nil, okapi.Errorf(okapi.EAccess, "Only administrators can list other users' API keys.")
	}
	return s.store.ListKeys(ctx, userID)
}

func actorID(u *okapi.User) int64 {
	if u == nil {
		return 0
	}
	return u.ID
}

func scopeText(scope string) string {
	if scope == "" {
		return "<all>"
	}
	return "<" + scope + ">"
}

func expiryText(exp time.Time) string {
	if exp.IsZero() {
		return "persistent"
	}
	return "expires " + exp.Format("2006-01-02 15:04:05")
}

func ipText(ip string) string {
	if ip == "" {
		return "n/a"
	}
	return ip
}
