package okapi

import (
	"context"
	"time"
)

// Store is where users, keys and their history live. The SQLite and
// PostgreSQL adapters implement it; the behaviour suite in storetest holds
// both to the same contract. Lookups that find nothing return ErrNotFound.
type Store interface {
	UserStore
	KeyStore
	EventStore
	AuditStore
	ParamStore
	SessionStore
	FailureStore
	TOTPStore
	// Close releases the database.
	Close() error
}

// UserStore keeps users and their groups.
type UserStore interface {
	// UserByID returns an active or archived user with their groups.
	UserByID(ctx context.Context, id int64) (*User, error)
	// UserByLogin finds a user by login (active or not).
	UserByLogin(ctx context.Context, login string) (*User, error)
	// PasswordHash returns the stored password hash of a user ("" if none).
	PasswordHash(ctx context.Context, id int64) (string, error)
	// CreateUser adds a user and their partner; EUser if the login is taken.
	CreateUser(ctx context.Context, u NewUser) (*User, error)
	// SetPasswordHash replaces a user's password hash.
	SetPasswordHash(ctx context.Context, id int64, hash string) error
	// SetActive archives (false) or restores (true) a user.
	SetActive(ctx context.Context, id int64, active bool) error
	// SetKind makes the user internal or portal and (un)sets administrator.
	SetKind(ctx context.Context, id int64, kind string, admin bool) error
	// ListUsers returns every user but the system user, by login.
	ListUsers(ctx context.Context) ([]*User, error)
	// GroupsOf returns the groups a user is in, implied ones included.
	GroupsOf(ctx context.Context, id int64) ([]Group, error)
}

// KeyStore keeps API keys. The secret is never given to it: only its hash.
type KeyStore interface {
	// KeyCandidates returns the keys whose index is index and which have
	// not expired at now (every one of them for a zero now). Whether the
	// owner is active is the caller's to check (it knows its users; the
	// lookup stays a single-table read).
	KeyCandidates(ctx context.Context, index string, now time.Time) ([]KeyCandidate, error)
	// Tombstone tells what became of a deleted key, by its stored hash;
	// ErrNotFound if nothing is known.
	Tombstone(ctx context.Context, hash string) (*Tombstone, error)
	// InsertKey stores a new key and records audit (filled with the key's
	// id, name and owner) in the same transaction; it sets k.ID and
	// k.CreateDate.
	InsertKey(ctx context.Context, k *Key, hash string, audit AuditEntry) error
	// RehashKey replaces a key's stored hash (a key imported from Odoo gets
	// the fast hash on its first use).
	RehashKey(ctx context.Context, id int64, oldHash, newHash string) error
	// KeyByID returns a key; ErrNotFound if it does not exist.
	KeyByID(ctx context.Context, id int64) (*Key, error)
	// DeleteKey removes a key, records audit in the same transaction and
	// returns the key; ErrNotFound if it is gone.
	DeleteKey(ctx context.Context, id int64, audit AuditEntry) (*Key, error)
	// EndKeyAt brings a key's expiration forward to at (never later than it
	// was), records audit in the same transaction and returns the key;
	// ErrNotFound if it is gone.
	EndKeyAt(ctx context.Context, id int64, at time.Time, audit AuditEntry) (*Key, error)
	// ListKeys returns keys, every user's when userID is 0, newest first.
	ListKeys(ctx context.Context, userID int64) ([]*Key, error)
	// DeleteExpiredKeys removes the keys expired at now and returns them.
	DeleteExpiredKeys(ctx context.Context, now time.Time) ([]*Key, error)
	// RecordKeyUses stores when and from where keys were last used.
	RecordKeyUses(ctx context.Context, uses []KeyUse) error
	// CountKeys returns how many keys are stored.
	CountKeys(ctx context.Context) (int64, error)
}

// KeyCandidate is a stored key that might match a presented secret.
type KeyCandidate struct {
	ID         int64
	UserID     int64
	Scope      string
	Hash       string
	Expiration time.Time // zero: persistent
	// Policy is the key's policy; nil when it limits nothing.
	Policy *Policy
}

// Tombstone records a deleted key: revoked, or expired and cleaned up.
type Tombstone struct {
	KeyID     int64
	UserID    int64
	Name      string
	Reason    string // "revoked" or "expired"
	DeletedAt time.Time
}

// KeyUse is one accepted use of a key.
type KeyUse struct {
	KeyID int64
	At    time.Time
	IP    string
}

// Event says that something a credential check depends on changed: a key was
// deleted or changed, a user archived, re-grouped or given a new password.
// Events are written by database triggers, so that a change made by any
// process (another node, the command line, an operator's SQL) reaches every
// running server.
type Event struct {
	Seq    int64
	Kind   string // "key", "user", or "groups" (implied groups changed: every user)
	UserID int64
	KeyID  int64
}

// EventStore is the change feed.
type EventStore interface {
	// EventsSince returns events after seq, oldest first, at most limit.
	EventsSince(ctx context.Context, seq int64, limit int) ([]Event, error)
	// LastEventSeq returns the newest event's seq, 0 if none.
	LastEventSeq(ctx context.Context) (int64, error)
	// PruneEvents deletes events older than before.
	PruneEvents(ctx context.Context, before time.Time) error
}

// AuditEntry is one line of the audit log. It never holds a secret.
type AuditEntry struct {
	ID      int64
	At      time.Time
	Kind    string // see the Audit* constants
	ActorID int64  // who did it (0: the system)
	UserID  int64  // whose key or account
	KeyID   int64
	KeyName string
	Login   string
	IP      string
	Detail  string
}

// Audit kinds.
const (
	AuditKeyCreated   = "key.created"
	AuditKeyRevoked   = "key.revoked"
	AuditKeyExpired   = "key.expired"
	AuditKeyRotated   = "key.rotated"
	AuditKeyNewIP     = "key.first_use_from_address"
	AuditLoginFailed  = "login.failed"
	AuditCooldown     = "login.cooldown"
	AuditUserCreated  = "user.created"
	AuditUserArchived = "user.archived"
	AuditUserRestored = "user.restored"
	AuditPassword     = "user.password_changed"
	AuditLoggedOut    = "user.logged_out_everywhere"
	// AuditKeyRefused: a key's policy refused a call (Detail names the
	// rule, the model and the method).
	AuditKeyRefused = "key.refused"
	// The gateway: links to upstream users, and failures of the upstream.
	AuditUpstreamLinked   = "upstream.linked"
	AuditUpstreamUnlinked = "upstream.unlinked"
	AuditUpstreamError    = "upstream.error"
)

// AuditStore keeps the audit log.
type AuditStore interface {
	AddAudit(ctx context.Context, e AuditEntry) error
	// AddAudits writes entries in one transaction.
	AddAudits(ctx context.Context, es []AuditEntry) error
	// ListAudit returns entries newest first; limit 0 means all.
	ListAudit(ctx context.Context, limit int) ([]AuditEntry, error)
	// EachAudit calls fn for each entry at or after since, oldest first,
	// reading one row at a time; it stops at fn's first error.
	EachAudit(ctx context.Context, since time.Time, fn func(AuditEntry) error) error
}

// ParamStore keeps system parameters (Odoo's ir.config_parameter).
type ParamStore interface {
	// Param returns a parameter's value, "" when unset.
	Param(ctx context.Context, key string) (string, error)
	SetParam(ctx context.Context, key, value string) error
}

// Session is a logged-in browser.
type Session struct {
	ID            string // a hash of the cookie value, never the cookie
	UserID        int64
	CSRF          string
	CreatedAt     time.Time
	LastSeen      time.Time
	IdentityCheck time.Time // when the password was last re-entered
	Debug         bool
}

// SessionStore keeps web sessions.
type SessionStore interface {
	CreateSession(ctx context.Context, s *Session) error
	// SessionByID returns ErrNotFound for an unknown or deleted session.
	SessionByID(ctx context.Context, id string) (*Session, error)
	UpdateSession(ctx context.Context, s *Session) error
	DeleteSession(ctx context.Context, id string) error
	// ClaimForm records that session id sent the one-time form form, and
	// reports false when that form was the last one it sent (the same form
	// sent again) or the session is gone. Claims are atomic across nodes.
	ClaimForm(ctx context.Context, id, form string) (bool, error)
	// DeleteUserSessions logs a user out everywhere but in the session
	// keep ("" for none), and says how many sessions it ended.
	DeleteUserSessions(ctx context.Context, userID int64, keep string) (int64, error)
	PruneSessions(ctx context.Context, idleBefore time.Time) error
	// SpendCode records a one-time code (a signature, never a secret) as
	// used until expires, and reports false when it was already: the
	// e-mail add-ins' auth codes work once across every node. Codes past
	// their expiry are forgotten on the way.
	SpendCode(ctx context.Context, code string, expires, now time.Time) (bool, error)
}

// FailureStore counts failed logins so that every node shares the cooldown.
type FailureStore interface {
	// AddFailures adds n failures to each key's count (restarting counts
	// whose last failure is older than window) and returns the new counts.
	AddFailures(ctx context.Context, n map[string]int, now time.Time, window time.Duration) (map[string]int, error)
	// Blocked returns the keys with at least after failures, the last one
	// since since, and when that last failure was.
	Blocked(ctx context.Context, after int, since time.Time) (map[string]time.Time, error)
	// Failures returns the count and last failure time for key.
	Failures(ctx context.Context, key string) (int, time.Time, error)
	ClearFailures(ctx context.Context, key string) error
	// PruneFailures deletes counts whose last failure is before before,
	// and rows of known addresses ("known:…") last seen before known.
	PruneFailures(ctx context.Context, before, known time.Time) error
}

// UpstreamLink ties an Okapi user to a user of the Odoo a gateway stands in
// front of: the upstream uid, and the user's Odoo API key sealed (AEAD)
// under a key derived from the server secret. The key in clear is never
// stored, logged or shown.
type UpstreamLink struct {
	UserID        int64
	Login         string // the Okapi login, filled by listings
	UpstreamUID   int64
	UpstreamLogin string
	Sealed        []byte
	CreateDate    time.Time
}

// UpstreamAccount is the upstream user a gateway user proved to be by
// logging in to the gateway's pages with their Odoo login and password:
// the Odoo key they paste there must be this uid's. No password is kept.
type UpstreamAccount struct {
	UserID        int64
	UpstreamUID   int64
	UpstreamLogin string
	CreateDate    time.Time
}
