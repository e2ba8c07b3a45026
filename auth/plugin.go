package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/okapi-erp/okapi"
)

// The e-mail add-ins (Odoo's mail_plugin, used by the Outlook and Gmail
// add-ins of odoo/mail-client-extensions) get their key through an
// OAuth-like dance: the person allows the add-in on a page of this server,
// which sends the browser back to the add-in with a short-lived auth code;
// the add-in (or Google's servers, for Gmail) trades the code for a key of
// scope okapi.ScopeMailPlugin.
const (
	// PluginCodeTTL is how long an auth code may be traded, as in Odoo.
	PluginCodeTTL = 3 * time.Minute
	// PluginKeyDays is the life of an add-in's key where keys expire (18+).
	// Odoo 18 gives one day, after which the add-in stops working and asks
	// to log in again ("Expired access token"); the scope is narrow and the
	// key shows in the person's key list, where it can be deleted, so Okapi
	// chooses a week. Before 18 keys never expire, and neither do these.
	PluginKeyDays = 7
	// PluginScope is the only scope the add-ins ask for ("outlook", for
	// both add-ins); the key's scope is "odoo.plugin." + it.
	PluginScope = "outlook"

	pluginSigning = "mail_plugin auth code"
)

// ErrInvalidCode is the answer to an auth code that is malformed, forged,
// expired or already used; the add-ins get Odoo's words for all of them.
var ErrInvalidCode = okapi.Errorf(okapi.EUser, "Invalid code")

// pluginCode is what an auth code carries, signed.
type pluginCode struct {
	Scope     string `json:"scope"`
	Name      string `json:"name"`
	Timestamp int64  `json:"timestamp"`
	UID       int64  `json:"uid"`
}

// CheckPluginKey checks the key an add-in presents on /mail_plugin/*: a key
// of scope okapi.ScopeMailPlugin, or a global (NULL-scope) key, of an active
// user. Failures count towards the cooldown as every other path's do.
func (s *Service) CheckPluginKey(ctx context.Context, secretText, ip string) (*okapi.User, error) {
	return s.checkBearer(ctx, secretText, okapi.ScopeMailPlugin, PathMailPlugin, ip)
}

// mayConnectPlugin is the rule for who may connect an add-in: internal
// users only, as in recent Odoo versions.
func mayConnectPlugin(u *okapi.User) error {
	if u == nil || !u.Active || !u.Internal() {
		return okapi.Errorf(okapi.EAccess, "Only internal users can connect an e-mail add-in.")
	}
	return nil
}

// PluginName is the name of the key an add-in gets, as Odoo names it: the
// add-in's friendly name, then ": info" when the add-in sent some.
func PluginName(friendlyName, info string) string {
	if info != "" {
		return friendlyName + ": " + info
	}
	return friendlyName
}

// CheckPluginRequest checks what the consent page is asked to grant: the
// scope, the key's future name and the user.
func CheckPluginRequest(u *okapi.User, scope, name string) error {
	if scope != PluginScope {
		return okapi.Errorf(okapi.EBadRequest, "Unknown scope %q: the e-mail add-ins ask for %q.", scope, PluginScope)
	}
	if err := okapi.ValidKeyName(name); err != nil {
		return err
	}
	return mayConnectPlugin(u)
}

// IssuePluginCode returns an auth code for u, once u has allowed an add-in:
// base64url(JSON{scope, name, timestamp, uid}) "." base64url(HMAC-SHA-256
// under the server secret). It carries no secret of its own: it is worth a
// key only for PluginCodeTTL and only once.
func (s *Service) IssuePluginCode(u *okapi.User, scope, name string) (string, error) {
	if err := CheckPluginRequest(u, scope, name); err != nil {
		return "", err
	}
	data, err := json.Marshal(pluginCode{Scope: scope, Name: name, Timestamp: s.now().Unix(), UID: u.ID})
	if err != nil {
		return "", err
	}
	sig := s.hasher.Sign(pluginSigning, data)
	return base64.RawURLEncoding.EncodeToString(data) + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// RedeemPluginCode trades an auth code for a new key of scope
// okapi.ScopeMailPlugin, owned by the user who allowed the add-in. Every
// refusal is ErrInvalidCode; nothing about the code is logged.
func (s *Service) RedeemPluginCode(ctx context.Context, code, ip string) (string, *okapi.Key, error) {
	dataPart, sigPart, ok := strings.Cut(code, ".")
	if !ok {
		return "", nil, ErrInvalidCode
	}
	data, err1 := base64.RawURLEncoding.DecodeString(dataPart)
	sig, err2 := base64.RawURLEncoding.DecodeString(sigPart)
	if err1 != nil || err2 != nil || !s.hasher.VerifySignature(pluginSigning, data, sig) {
		return "", nil, ErrInvalidCode
	}
	var c pluginCode
	if err := json.Unmarshal(data, &c); err != nil {
		return "", nil, ErrInvalidCode
	}
	now := s.now()
	issued := time.Unix(c.Timestamp, 0)
	expires := issued.Add(PluginCodeTTL)
	if now.After(expires) || issued.After(now.Add(time.Minute)) {
		return "", nil, ErrInvalidCode
	}
	u, err := s.User(ctx, c.UID)
	if err != nil {
		if errors.Is(err, okapi.ErrNotFound) {
			return "", nil, ErrInvalidCode
		}
		return "", nil, err
	}
	if err := CheckPluginRequest(u, c.Scope, c.Name); err != nil {
		return "", nil, ErrInvalidCode
	}
	// Spent only once everything else holds, so that a refused code
	// cannot be used to burn another; the database makes it once across
	// every node (Odoo's codes may be traded any number of times within
	// their three minutes).
	spent := sha256.Sum256([]byte(sigPart)) // a spent code's trace is no code
	fresh, err := s.store.SpendCode(ctx, hex.EncodeToString(spent[:]), expires, now)
	if err != nil {
		return "", nil, err
	}
	if !fresh {
		return "", nil, ErrInvalidCode
	}
	return s.createKey(ctx, u, KeyRequest{UserID: u.ID, Name: c.Name, Scope: "odoo.plugin." + c.Scope,
		Days: PluginKeyDays, IP: ip}, true)
}
