package okapi

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// Key sizes, as in every Odoo version: 20 random bytes shown as 40 lowercase
// hex characters, the first 8 of which are stored in clear to find the row.
const (
	KeyBytes    = 20
	KeyLen      = 2 * KeyBytes
	KeyIndexLen = 8
	ScopeRPC    = "rpc"
	// ScopeRPCRead is a read-only key for the external API: it may call
	// what reads (search, read, fields_get…) and nothing that writes.
	// Odoo has no such scope (its keys give all the access of the user,
	// landscape B.1 #6); real Odoo would refuse such a key on RPC.
	ScopeRPCRead = "rpc.read"
	// ScopeMailPlugin is the scope of the keys the Outlook and Gmail
	// add-ins receive (Odoo's mail_plugin): refused by the RPC paths,
	// accepted only by the add-ins' routes (/mail_plugin/*).
	ScopeMailPlugin = "odoo.plugin.outlook"
	maxKeyName      = 256
	maxScopeName    = 128
)

// KeyExpirationHeader is the header of an answer to a call made with a key
// that expires, saying when ("2026-12-03 00:00:00 UTC", in
// KeyExpirationLayout, GitHub's format for its token-expiration header).
// Odoo sends no such header; clients that do not know it ignore it, and
// the Go client keeps it (client.Client.KeyExpiration).
const (
	KeyExpirationHeader = "Okapi-Key-Expiration"
	KeyExpirationLayout = "2006-01-02 15:04:05 MST"
)

// Key is an API key as stored: everything but the secret, which exists only in
// the answer that creates it. Scope "" means every scope (NULL in Odoo).
type Key struct {
	ID         int64
	UserID     int64
	Name       string
	Scope      string
	Index      string
	CreateDate time.Time
	// ExpirationDate is zero for a persistent key.
	ExpirationDate time.Time
	// LastUsed and LastUsedIP say when and from where the key was last
	// accepted (beyond Odoo: people ask "is this key still used?").
	LastUsed   time.Time
	LastUsedIP string
	// Policy limits the key beyond its scope (models, addresses, rate);
	// nil when it limits nothing.
	Policy *Policy

	// Login and UserName of the owner, filled by listings.
	Login    string
	UserName string
}

// Persistent reports whether the key never expires.
func (k *Key) Persistent() bool { return k.ExpirationDate.IsZero() }

// Expired reports whether the key has expired at now.
func (k *Key) Expired(now time.Time) bool {
	return !k.ExpirationDate.IsZero() && now.After(k.ExpirationDate)
}

// GenerateKey returns a new secret from the operating system's randomness.
func GenerateKey() (string, error) {
	var b [KeyBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// KeyIndex returns the clear lookup prefix of a secret. It is empty for a
// secret too short to be a key, which then matches no row.
func KeyIndex(secret string) string {
	if len(secret) < KeyIndexLen {
		return ""
	}
	return secret[:KeyIndexLen]
}

// LooksLikeKey reports whether s has the exact shape of a key: 40 lowercase
// hex characters. Odoo compares keys exactly, so an uppercase or padded key
// fails; the connection checker uses this to tell people why.
func LooksLikeKey(s string) bool {
	if len(s) != KeyLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// ScopeMatches reports whether a key stored with scope stored may be used
// where scope want is asked for: a NULL scope opens every door, 'rpc' opens
// the RPC door (Odoo's "rpc scope does not really exist" rule), anything else
// only its own.
func ScopeMatches(stored, want string) bool {
	return stored == "" || stored == want || stored == ScopeRPCRead && want == ScopeRPC
}

// ValidKeyName checks a key's name: required, printable, bounded.
func ValidKeyName(name string) error {
	if name == "" {
		return Errorf(EUser, "The key needs a name: it will be the only way to identify the key once created.")
	}
	if len(name) > maxKeyName {
		return Errorf(EUser, "The key name is too long (at most %d characters).", maxKeyName)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return Errorf(EUser, "The key name cannot contain control characters.")
		}
	}
	return nil
}

// ValidScope checks a scope string: empty (every scope) or a short dotted name.
func ValidScope(scope string) error {
	if len(scope) > maxScopeName {
		return Errorf(EUser, "The scope is too long (at most %d characters).", maxScopeName)
	}
	for _, r := range scope {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return Errorf(EUser, "A scope may hold only letters, digits, '.', '_' and '-'.")
		}
	}
	return nil
}

// ExpirationFor returns the expiration of a key made now for a duration of
// days, as Odoo computes it: today's date plus that many days, at midnight
// UTC. Zero days means persistent.
func ExpirationFor(now time.Time, days int) time.Time {
	if days <= 0 {
		return time.Time{}
	}
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days)
}

// Key states, as Okapi tells the holder of a key what became of it
// (/okapi/1/key-status): the server and the client share these words.
const (
	KeyValid           = "valid"
	KeyExpired         = "expired"
	KeyRevoked         = "revoked"
	KeyUnknown         = "unknown"
	KeyOtherUser       = "other_user"
	KeyArchivedUser    = "archived_user"
	KeyScoped          = "scoped"
	KeyNotAKey         = "not_a_key"
	KeyUnknownDatabase = "unknown_database"
)
