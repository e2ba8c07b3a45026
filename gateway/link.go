package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/client"
)

// LinkStore is where links and the upstream accounts users logged in as
// are kept.
type LinkStore interface {
	Links
	LinkUpstream(ctx context.Context, l *okapi.UpstreamLink, audit okapi.AuditEntry) error
	UnlinkUpstream(ctx context.Context, userID int64, audit okapi.AuditEntry) error
	UpstreamAccount(ctx context.Context, userID int64) (*okapi.UpstreamAccount, error)
	SetUpstreamAccount(ctx context.Context, a *okapi.UpstreamAccount) error
}

// Linker checks Odoo credentials against the upstream and links gateway
// users to upstream users: okapi upstream link and the gateway's own pages
// (where a user logs in with their Odoo password and pastes their Odoo key)
// share it, so a key is checked, sealed and stored one way.
type Linker struct {
	URL, DB string
	HTTP    *http.Client
	Timeout time.Duration // each check (default 30 s)
	Sealer  *Sealer
	Store   LinkStore
	// Slots, when set, bounds the checks in flight at once (its capacity):
	// a flood of logins cannot open unbounded connections upstream.
	Slots chan struct{}
}

// maxSecret bounds what is sent upstream as a password or a key.
const maxSecret = 4096

// Linker returns the gateway's linker: its upstream, its pooled and
// TLS-verifying HTTP client, its timeout and its sealer.
func (g *Gateway) Linker(store LinkStore) *Linker {
	return &Linker{URL: g.cfg.URL, DB: g.cfg.DB, HTTP: g.http, Timeout: g.cfg.Timeout, Sealer: g.cfg.Sealer, Store: store, Slots: g.checks}
}

// Authenticate asks the upstream's common.authenticate who login is with
// secret (a password or an Odoo API key): the upstream uid;
// okapi.ErrAccessDenied when the upstream refuses; an EUpstream error
// saying why when the upstream could not answer. An upstream without
// XML-RPC checks a key over JSON-2 (its owner must be login). The secret
// is in no error.
func (l *Linker) Authenticate(ctx context.Context, login, secret string) (int64, error) {
	timeout := l.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	if len(secret) > maxSecret || len(login) > okapi.MaxLoginBytes {
		return 0, okapi.ErrAccessDenied
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if l.Slots != nil {
		select {
		case l.Slots <- struct{}{}:
			defer func() { <-l.Slots }()
		case <-ctx.Done():
			return 0, &okapi.Error{Code: okapi.EUpstream, Message: "The gateway is busy checking passwords with the upstream Odoo at " + l.URL + ": try again in a moment."}
		}
	}
	cl, err := l.client(login, secret, 0, client.XMLRPC)
	if err != nil {
		return 0, err
	}
	uid, err := cl.Authenticate(ctx)
	var re *client.ResponseError
	if errors.As(err, &re) && re.Status == http.StatusNotFound {
		if cl, err = l.client(login, secret, 0, client.JSON2); err != nil {
			return 0, err
		}
		uid, err = cl.Authenticate(ctx)
	}
	switch {
	case err == nil:
		return uid, nil
	case client.IsAccessDenied(err):
		return 0, okapi.ErrAccessDenied
	}
	var ce *client.Error
	if errors.As(err, &ce) {
		return 0, &okapi.Error{Code: okapi.EUpstream, Message: "The upstream Odoo at " + l.URL + " (database " + l.DB + ") answered an error: " + ce.Message}
	}
	return 0, &okapi.Error{Code: okapi.EUpstream, Message: unreachable(l.URL, err)}
}

func (l *Linker) client(login, secret string, uid int64, p client.Protocol) (*client.Client, error) {
	return client.New(client.Config{URL: l.URL, DB: l.DB, Login: login, Key: secret, UID: uid, Protocol: p,
		HTTPClient: l.HTTP, UserAgent: "okapi-gateway/1"})
}

// Name reads the upstream user's name with the password that just
// authenticated them; the login when the upstream does not say.
func (l *Linker) Name(ctx context.Context, login, password string, uid int64) string {
	ctx, cancel := context.WithTimeout(ctx, min(max(l.Timeout, time.Second), 10*time.Second))
	defer cancel()
	cl, err := l.client(login, password, uid, client.XMLRPC)
	if err != nil {
		return login
	}
	recs, err := cl.Read(ctx, "res.users", []int64{uid}, "name")
	if err != nil || len(recs) != 1 {
		return login
	}
	if name, _ := recs[0]["name"].(string); strings.TrimSpace(name) != "" {
		return name
	}
	return login
}

// LinkRequest asks to link a gateway user to an upstream user.
type LinkRequest struct {
	User          *okapi.User
	UpstreamLogin string // default: the user's login
	Key           string // the upstream user's Odoo API key
	// WantUID, when set, is the only upstream uid the key may belong to
	// (the account the user logged in to the gateway's pages as).
	WantUID int64
	ActorID int64
	IP      string
}

// Link checks the key against the upstream (common.authenticate), then
// stores the link with the key sealed under the server secret and an audit
// entry; linking again replaces the link. It returns the link made.
func (l *Linker) Link(ctx context.Context, req LinkRequest) (*okapi.UpstreamLink, error) {
	up := req.UpstreamLogin
	if up == "" {
		up = req.User.Login
	}
	key := strings.TrimSpace(req.Key)
	if key == "" {
		return nil, okapi.Errorf(okapi.EUser, "Paste the API key of your Odoo user.")
	}
	if len(key) > 1024 {
		return nil, okapi.Errorf(okapi.EUser, "This is not an Odoo API key (too long).")
	}
	uid, err := l.Authenticate(ctx, up, key)
	if errors.Is(err, okapi.ErrAccessDenied) {
		return nil, okapi.Errorf(okapi.EAccessDenied, "The upstream Odoo at %s (database %s) refused login %q with this key: check the login and the key.", l.URL, l.DB, up)
	}
	if err != nil {
		return nil, err
	}
	if req.WantUID != 0 && uid != req.WantUID {
		return nil, okapi.Errorf(okapi.EAccessDenied, "This key belongs to another upstream user (uid %d), not to yours (uid %d).", uid, req.WantUID)
	}
	sealed, err := l.Sealer.Seal(req.User.ID, key)
	if err != nil {
		return nil, err
	}
	link := &okapi.UpstreamLink{UserID: req.User.ID, Login: req.User.Login, UpstreamUID: uid, UpstreamLogin: up, Sealed: sealed}
	audit := okapi.AuditEntry{At: time.Now().UTC(), Kind: okapi.AuditUpstreamLinked, ActorID: req.ActorID, UserID: req.User.ID, Login: req.User.Login,
		IP: req.IP, Detail: fmt.Sprintf("upstream user %q (uid %d)", up, uid)}
	if err := l.Store.LinkUpstream(ctx, link, audit); err != nil {
		return nil, err
	}
	return link, nil
}

// Unlink removes a user's link, with an audit entry; ErrNotFound if none.
func (l *Linker) Unlink(ctx context.Context, u *okapi.User, actorID int64, ip string) error {
	audit := okapi.AuditEntry{At: time.Now().UTC(), Kind: okapi.AuditUpstreamUnlinked, ActorID: actorID, UserID: u.ID, Login: u.Login, IP: ip}
	return l.Store.UnlinkUpstream(ctx, u.ID, audit)
}

// The Linker is the auth.Upstream of the gateway's web login.

// CheckPassword checks an Odoo password against the upstream
// (Authenticate).
func (l *Linker) CheckPassword(ctx context.Context, login, password string) (int64, error) {
	return l.Authenticate(ctx, login, password)
}

// Account is the upstream user a gateway user answers for: the one they
// logged in to the gateway's pages as, or else the one their link names.
func (l *Linker) Account(ctx context.Context, userID int64) (string, int64, bool, error) {
	a, err := l.Store.UpstreamAccount(ctx, userID)
	if err == nil {
		return a.UpstreamLogin, a.UpstreamUID, true, nil
	}
	if !errors.Is(err, okapi.ErrNotFound) {
		return "", 0, false, err
	}
	link, err := l.Store.UpstreamLink(ctx, userID)
	if errors.Is(err, okapi.ErrNotFound) {
		return "", 0, false, nil
	}
	if err != nil {
		return "", 0, false, err
	}
	return link.UpstreamLogin, link.UpstreamUID, true, nil
}

// Remember records the upstream user a gateway user logged in as.
func (l *Linker) Remember(ctx context.Context, userID, uid int64, login string) error {
	return l.Store.SetUpstreamAccount(ctx, &okapi.UpstreamAccount{UserID: userID, UpstreamUID: uid, UpstreamLogin: login})
}
