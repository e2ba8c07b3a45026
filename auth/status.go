package auth

import (
	"context"
	"errors"
	"time"

	"github.com/okapi-erp/okapi"
)

// Key states that KeyStatus reports to the holder of a key: the okapi.Key…
// states, which the client shares.
const (
	StateValid        = okapi.KeyValid
	StateExpired      = okapi.KeyExpired
	StateRevoked      = okapi.KeyRevoked
	StateUnknown      = okapi.KeyUnknown
	StateOtherUser    = okapi.KeyOtherUser
	StateArchivedUser = okapi.KeyArchivedUser
	StateScoped       = okapi.KeyScoped
	StateNotAKey      = okapi.KeyNotAKey
)

// KeyState is what the holder of a key may learn about it, to fix their
// connection: real Odoo answers every one of these with the same bare
// "Access Denied". Someone guessing learns nothing: a key they do not hold is
// simply unknown, and counts towards their cooldown.
type KeyState struct {
	Status  string
	Login   string // the key's owner
	KeyName string
	Scope   string
	Expires time.Time // when it expires or expired
	When    time.Time // when it was revoked or deleted
}

// KeyStatus tells the holder of secretText what state their key is in, as
// presented with login (empty: any).
func (s *Service) KeyStatus(ctx context.Context, login, secretText, ip string) (KeyState, error) {
	if !okapi.LooksLikeKey(secretText) {
		return KeyState{Status: StateNotAKey}, nil
	}
	st, err := s.keyState(ctx, secretText)
	if err != nil {
		return st, err
	}
	if st.Status == StateUnknown {
		s.fail(ctx, "key_status", ip, "", login, "unknown key")
		return st, nil
	}
	if st.Status == StateValid && login != "" && st.Login != login {
		st.Status = StateOtherUser
	}
	return st, nil
}

// keyState finds what became of a key, without counting anything.
func (s *Service) keyState(ctx context.Context, secretText string) (KeyState, error) {
	d := s.hasher.Digest(secretText)
	cands, err := s.store.KeyCandidates(ctx, okapi.KeyIndex(secretText), time.Time{})
	if err != nil {
		return KeyState{}, err
	}
	for _, c := range cands {
		if ok, _ := s.hasher.VerifyKey(secretText, d, c.Hash); !ok {
			continue
		}
		owner, err := s.User(ctx, c.UserID)
		if err != nil {
			return KeyState{}, err
		}
		k, err := s.store.KeyByID(ctx, c.ID)
		if errors.Is(err, okapi.ErrNotFound) {
			// Revoked or cleaned up since the lookup: its tombstone
			// tells which.
			break
		}
		if err != nil {
			return KeyState{}, err
		}
		st := KeyState{Login: owner.Login, KeyName: k.Name, Scope: c.Scope, Expires: c.Expiration}
		switch {
		case !owner.Active:
			st.Status = StateArchivedUser
		case expired(c.Expiration, s.now()):
			st.Status = StateExpired
		case !okapi.ScopeMatches(c.Scope, okapi.ScopeRPC):
			st.Status = StateScoped
		default:
			st.Status = StateValid
		}
		return st, nil
	}
	t, err := s.store.Tombstone(ctx, d.Encode())
	if errors.Is(err, okapi.ErrNotFound) {
		return KeyState{Status: StateUnknown}, nil
	}
	if err != nil {
		return KeyState{}, err
	}
	st := KeyState{Status: StateRevoked, KeyName: t.Name, When: t.DeletedAt}
	if t.Reason == "expired" {
		st.Status = StateExpired
	}
	if u, err := s.store.UserByID(ctx, t.UserID); err == nil {
		st.Login = u.Login
	}
	return st, nil
}
