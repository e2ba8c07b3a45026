// Package check finds out why a connection to Odoo fails, step by step,
// and says what to do about it.
//
// Odoo answers every credential problem the same way (a bare false, "Access
// Denied", "Invalid apikey") so that guessing teaches nothing; the price is
// paid by the person whose key has a trailing space, has expired, belongs to
// a colleague, or who pasted the password. Run walks the path a tool takes
// (the URL's form, the network, the server's version, the database, the
// key's shape, the login, what the user may do) and gives each step a
// verdict. Against Okapi, which tells the holder of a key what state it is
// in, the verdict on a refused key is exact; against Odoo it is the list of
// possible causes for that version, most likely first, with the steps to
// create a new key in that version's words, taken from okapi.Profile like
// the web pages' own.
package check

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/client"
)

// Config is what the person gave.
type Config struct {
	URL   string
	DB    string
	Login string
	// Key is the key exactly as the person's tool would send it: the
	// reader removes at most the line end that closes a file or a line of
	// input, and nothing else, so that surrounding characters can be
	// diagnosed.
	Key string
	// Timeout bounds each request (default 10s).
	Timeout time.Duration
	// HTTPClient replaces the default client (tests).
	HTTPClient *http.Client
}

// Status is a step's verdict.
type Status string

// Verdicts.
const (
	OK   Status = "ok"
	Warn Status = "warn" // works, but worth fixing
	Fail Status = "fail"
	Skip Status = "skip" // not checked, or not checkable
)

// Class sorts failures by what the person has to do; each has its own exit
// status in okapi connect.
type Class string

// Failure classes.
const (
	// ClassURL: the URL is malformed or the server cannot be reached.
	ClassURL Class = "url"
	// ClassNotOdoo: something answers, but not Odoo's external API.
	ClassNotOdoo Class = "not_odoo"
	// ClassDatabase: the database does not exist, or none was named.
	ClassDatabase Class = "database"
	// ClassKeyShape: the key as given cannot work (spaces, quotes,
	// uppercase, cut short, a password instead of a key).
	ClassKeyShape Class = "key_shape"
	// ClassRefused: the server refused the credentials and did not say why.
	ClassRefused Class = "refused"
	// ClassKeyState: the key is expired, revoked, scoped, another user's,
	// or its user is archived (known from Okapi).
	ClassKeyState Class = "key_state"
	// ClassRights: logged in, but with rights too limited for most tools.
	ClassRights Class = "rights"
	// ClassRateLimited: too many failed logins; the server waits.
	ClassRateLimited Class = "rate_limited"
)

// Step ids, in the order the report lists them.
const (
	StepURL      = "url"
	StepReach    = "reach"
	StepVersion  = "version"
	StepDatabase = "database"
	StepLogin    = "login"
	StepKey      = "key"
	StepAuth     = "auth"
	StepRights   = "rights"
)

var stepTitles = []struct{ id, title string }{
	{StepURL, "URL"}, {StepReach, "Server"}, {StepVersion, "Version"}, {StepDatabase, "Database"},
	{StepLogin, "Login"}, {StepKey, "Key"}, {StepAuth, "Authentication"}, {StepRights, "Rights"},
}

// Step is one check and its verdict.
type Step struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Status  Status   `json:"status"`
	Class   Class    `json:"class,omitempty"`
	Summary string   `json:"summary"`
	Details []string `json:"details,omitempty"`
	Fix     []string `json:"fix,omitempty"`
}

// Server is what was learnt about the server.
type Server struct {
	URL           string `json:"url"` // the address the checks used
	ServerVersion string `json:"server_version,omitempty"`
	OdooVersion   int    `json:"odoo_version,omitempty"`
	Okapi         bool   `json:"okapi"`
	KeyPath       string `json:"key_path,omitempty"`
}

// Report is the outcome of Run.
type Report struct {
	URL    string  `json:"url"` // as given
	DB     string  `json:"db"`
	Login  string  `json:"login"`
	Server Server  `json:"server"`
	Steps  []*Step `json:"steps"`
	UID    int64   `json:"uid,omitempty"`
	// Causes are the possible reasons for a refusal, most likely first,
	// when the server does not say which (real Odoo).
	Causes []string `json:"causes,omitempty"`
	// Guide is how to create a key in the server's version, when a new
	// key is the way out.
	Guide *Guide `json:"guide,omitempty"`
}

// Step returns the step with that id.
func (r *Report) Step(id string) *Step {
	for _, s := range r.Steps {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// Failed returns the first failed step, in report order, or nil.
func (r *Report) Failed() *Step {
	for _, s := range r.Steps {
		if s.Status == Fail {
			return s
		}
	}
	return nil
}

// Class is the failure class of the first failed step, or "" when nothing
// failed.
func (r *Report) Class() Class {
	if s := r.Failed(); s != nil {
		return s.Class
	}
	return ""
}

// OK reports that no step failed.
func (r *Report) OK() bool { return r.Failed() == nil }

// runner holds what the steps learn from each other.
type runner struct {
	cfg     Config
	rep     *Report
	base    *url.URL
	url     urlFinding
	key     keyFinding
	db      string
	version *client.VersionInfo
	profile *okapi.Profile
	dbKnown bool // the database was seen in the server's list
}

// Run checks the connection and returns the report; it never fails as a
// whole, since every failure is a verdict. ctx bounds the whole run, the
// configured timeout each request.
func Run(ctx context.Context, cfg Config) *Report {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	rep := &Report{URL: cfg.URL, DB: cfg.DB, Login: cfg.Login}
	for _, st := range stepTitles {
		rep.Steps = append(rep.Steps, &Step{ID: st.id, Title: st.title, Status: Skip, Summary: "not checked"})
	}
	r := &runner{cfg: cfg, rep: rep, db: cfg.DB}
	r.run(ctx)
	return rep
}

func (r *runner) run(ctx context.Context) {
	// The key's shape needs no server, so it is judged even when the
	// server cannot be reached.
	r.checkKeyShape()
	if !r.checkURL() || r.urlFailed() || !r.checkReach(ctx) {
		return
	}
	r.checkSlash(ctx)
	if r.urlFailed() {
		// Found by asking the server (the doubled slash fails): what it
		// answered at the corrected address is not what a tool gets.
		return
	}
	r.checkVersion(ctx)
	if !r.checkDatabase(ctx) || r.key.candidate == "" {
		return
	}
	c, ok := r.checkAuth(ctx)
	if ok {
		r.checkRights(ctx, c)
	}
}

func (r *runner) step(id string) *Step { return r.rep.Step(id) }

// notChecked is the verdict of the steps after a failed URL: a tool given
// that URL fails there, so no later step is judged on a corrected one (the
// key's form, judged without the server, excepted).
const notChecked = "not checked: correct the URL first"

// urlFailed reports a failed URL step, and marks every step after it that
// depends on the server as not checked.
func (r *runner) urlFailed() bool {
	if r.step(StepURL).Status != Fail {
		return false
	}
	for _, s := range r.rep.Steps {
		if s.ID != StepURL && s.ID != StepKey {
			s.Status, s.Summary, s.Details, s.Fix, s.Class = Skip, notChecked, nil, nil, ""
		}
	}
	return true
}

// set gives a step its verdict.
func (r *runner) set(id string, st Status, class Class, summary string, details, fix []string) *Step {
	s := r.step(id)
	s.Status, s.Summary, s.Details, s.Fix = st, summary, details, fix
	s.Class = ""
	if st == Fail {
		s.Class = class
	}
	return s
}

// timeout bounds one request.
func (r *runner) timeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.cfg.Timeout)
}

// newClient returns a client for the checked address that reports every
// redirect rather than following it, so that the person can fix the URL.
func (r *runner) newClient(p client.Protocol, key string) *client.Client {
	c, err := client.New(client.Config{URL: r.base.String(), DB: r.db, Login: r.cfg.Login, Key: key, Protocol: p,
		HTTPClient: r.cfg.HTTPClient, NoRedirects: true, UserAgent: "okapi-connect/1"})
	if err != nil {
		// The URL step has already made the address valid.
		panic("check: " + err.Error())
	}
	return c
}

func (r *runner) checkKeyShape() {
	r.key = analyzeKey(r.cfg.Key)
	r.set(StepKey, r.key.status, ClassKeyShape, r.key.summary, r.key.details, r.key.fix)
}

func (r *runner) checkURL() bool {
	r.url = analyzeURL(r.cfg.URL)
	r.set(StepURL, r.url.status, ClassURL, r.url.summary, r.url.details, r.url.fix)
	if r.url.stop {
		return false
	}
	r.base = r.url.base
	r.rep.Server.URL = r.base.String()
	return true
}
