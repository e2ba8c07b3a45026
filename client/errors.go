package client

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/bridge"
)

// Kind sorts the errors a server reports into what a caller can act on. Odoo
// says the same thing differently on each protocol (an XML-RPC fault code, a
// JSON-RPC error.data.name, a JSON-2 HTTP status); Kind is the one answer.
type Kind int

// Kinds of errors. The zero value, KindOther, is anything not listed.
const (
	KindOther Kind = iota
	// KindAccessDenied: the credentials were refused (wrong, expired,
	// revoked or scoped key, wrong password, archived user, wrong login).
	// Odoo never says which.
	KindAccessDenied
	// KindAccessError: the user is who they say, but may not do this.
	KindAccessError
	// KindMissing: a record does not exist (or no longer does).
	KindMissing
	// KindValidation: a value broke a constraint. XML-RPC (fault 2) cannot
	// tell it from KindUserError, so it shows there as KindUserError.
	KindValidation
	// KindUserError: a business rule refused the operation.
	KindUserError
	// KindDatabase: the database named in the call does not exist here.
	KindDatabase
	// KindNotFound: no such model, method or route.
	KindNotFound
	// KindRateLimited: too many failed logins; try again later.
	KindRateLimited
)

var kindNames = [...]string{"other", "access denied", "access error", "missing record", "validation error",
	"user error", "unknown database", "not found", "rate limited"}

// String names the kind, e.g. "access denied".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Error is an error that the server reported: an XML-RPC fault, a JSON-RPC
// error object, a JSON-2 error body, or authenticate's bare false. It keeps
// what Odoo said, so a caller can show it or match on it.
type Error struct {
	Kind Kind
	// Name is the exception as Odoo names it ("odoo.exceptions.AccessError",
	// "builtins.TypeError"); empty when the protocol does not say, as with
	// XML-RPC faults 2–4.
	Name string
	// Message is Odoo's message; for a Python traceback, its last line.
	Message string
	// FaultCode is the XML-RPC fault code: an int64 on /xmlrpc/2, nil on the
	// other protocols.
	FaultCode any
	// Code is the JSON-RPC error.code (200 up to Odoo 18, 0 from 19).
	Code int
	// HTTPStatus is the status of a JSON-2 error answer.
	HTTPStatus int
	// Protocol is the protocol the call went over.
	Protocol Protocol
	// Call names what failed: "common.authenticate", "res.partner.read".
	Call string
}

// Error gives what failed and Odoo's message, e.g. "res.users.write: You
// are not allowed to modify 'User' (res.users) records. …".
func (e *Error) Error() string {
	var b strings.Builder
	if e.Call != "" {
		b.WriteString(e.Call + ": ")
	}
	b.WriteString(e.Message)
	if e.Name != "" && !strings.Contains(e.Message, e.Name) {
		b.WriteString(" (" + e.Name + ")")
	}
	return b.String()
}

// KindOf returns the kind of a server error anywhere in err's chain, or
// KindOther.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindOther
}

// IsAccessDenied reports whether the server refused the credentials.
func IsAccessDenied(err error) bool { return KindOf(err) == KindAccessDenied }

// IsAccessError reports whether the user lacks the rights for the call.
func IsAccessError(err error) bool { return KindOf(err) == KindAccessError }

// IsMissing reports whether a record the call needed does not exist.
func IsMissing(err error) bool { return KindOf(err) == KindMissing }

// IsValidation reports a constraint violation (JSON-RPC and JSON-2 only;
// over XML-RPC it is a user error).
func IsValidation(err error) bool { return KindOf(err) == KindValidation }

// IsUserError reports a business-rule refusal, validation errors and missing
// records included, as Python's exception classes nest them.
func IsUserError(err error) bool {
	switch KindOf(err) {
	case KindUserError, KindValidation, KindMissing:
		return true
	}
	return false
}

// IsDatabaseNotFound reports that the server has no database of that name.
func IsDatabaseNotFound(err error) bool { return KindOf(err) == KindDatabase }

// IsRateLimited reports that the server refuses logins for a while after
// too many failures.
func IsRateLimited(err error) bool { return KindOf(err) == KindRateLimited }

// ResponseError is an answer that is not the protocol's: an HTML page, a
// redirect, a 404 or a proxy's error. The connection checker reads it to
// tell people what answered instead of Odoo.
type ResponseError struct {
	Method      string // HTTP method
	URL         string // the request's URL
	Status      int
	ContentType string
	Location    string // where a redirect points
	Title       string // the <title> of an HTML page
	Snippet     string // the start of the body, printable characters only
}

// Error says what answered instead, e.g. "POST …/xmlrpc/2/common: unexpected
// answer 200, an HTML page titled "Welcome to nginx!"".
func (e *ResponseError) Error() string {
	msg := fmt.Sprintf("%s %s: unexpected answer %d", e.Method, e.URL, e.Status)
	switch {
	case e.Location != "":
		msg += ", redirected to " + e.Location
	case e.Title != "":
		msg += fmt.Sprintf(", an HTML page titled %q", e.Title)
	case e.ContentType != "":
		msg += " (" + e.ContentType + ")"
	}
	return msg
}

// Redirect reports whether the answer was a redirect.
func (e *ResponseError) Redirect() bool { return e.Status >= 300 && e.Status < 400 }

// HTML reports whether the answer was a web page.
func (e *ResponseError) HTML() bool {
	return strings.Contains(strings.ToLower(e.ContentType), "html") || e.Title != ""
}

// ErrNotOkapi is returned by the Okapi-only calls when the server is not
// Okapi (Odoo has no such endpoints).
var ErrNotOkapi = errors.New("the server is not Okapi")

// ErrPositional is in the chain of ExecuteKW's refusal, over JSON-2, of
// positional arguments it cannot name (errors.Is): JSON-2 takes named
// arguments only, and the method is neither the ORM's nor published by the
// server.
var ErrPositional = bridge.ErrUnnamed

// The classification below is the one table from what each protocol says
// to a Kind.

var nameKinds = map[string]Kind{
	string(okapi.EAccessDenied):       KindAccessDenied,
	string(okapi.EAccess):             KindAccessError,
	string(okapi.EMissing):            KindMissing,
	string(okapi.EValidation):         KindValidation,
	string(okapi.EUser):               KindUserError,
	"odoo.exceptions.RedirectWarning": KindUserError,
	"odoo.exceptions.Warning":         KindUserError,
	string(okapi.EUnauthorized):       KindAccessDenied,
	string(okapi.ENotFound):           KindNotFound,
	string(okapi.ETooMany):            KindRateLimited,
	// The short names of the same classes, as legacy fault codes and
	// traceback lines write them.
	"AccessDenied":    KindAccessDenied,
	"AccessError":     KindAccessError,
	"MissingError":    KindMissing,
	"ValidationError": KindValidation,
	"UserError":       KindUserError,
}

// faultKinds are /xmlrpc/2's integer codes (fault 1 is "anything else").
var faultKinds = map[int64]Kind{3: KindAccessDenied, 4: KindAccessError, 2: KindUserError}

var statusKinds = map[int]Kind{401: KindAccessDenied, 403: KindAccessError, 404: KindNotFound, 422: KindUserError, 429: KindRateLimited}

// dbMissingRE matches both Okapi's and PostgreSQL's "database "x" does not
// exist", which is how a wrong database name surfaces.
var dbMissingRE = regexp.MustCompile(`database "([^"]*)" does not exist`)

// missingRE matches MissingError's messages, which fault 2 does not name.
var missingRE = regexp.MustCompile(`^\(Record: |Record does not exist or has been deleted`)

// classify decides the kind of e from what it carries.
func classify(e *Error) Kind {
	switch {
	case strings.Contains(e.Message, okapi.MsgCooldown):
		return KindRateLimited
	case dbMissingRE.MatchString(e.Message):
		return KindDatabase
	}
	if k, ok := nameKinds[e.Name]; ok {
		return k
	}
	if code, ok := e.FaultCode.(int64); ok {
		if k, ok := faultKinds[code]; ok {
			if k == KindUserError && missingRE.MatchString(e.Message) {
				return KindMissing
			}
			return k
		}
	}
	if k, ok := statusKinds[e.HTTPStatus]; ok {
		return k
	}
	return KindOther
}

// fromFault turns an XML-RPC fault into an Error. Fault 1 carries a Python
// traceback whose last line names the exception; the legacy endpoints put
// "warning -- Class\n\nmessage" in a string code.
func fromFault(code any, text string) *Error {
	e := &Error{FaultCode: code, Message: text, Protocol: XMLRPC}
	switch c := code.(type) {
	case int64:
		if c == 1 {
			e.Name, e.Message = lastException(text)
		}
	case string:
		if rest, ok := strings.CutPrefix(c, "warning -- "); ok {
			name, msg, _ := strings.Cut(rest, "\n\n")
			e.Name, e.Message = name, strings.TrimSpace(msg)
		} else if c == "AccessDenied" {
			e.Name = c
		} else {
			e.Name, e.Message = lastException(c)
		}
	}
	e.Kind = classify(e)
	return e
}

// lastException splits "pkg.Class: message", the last line of a traceback,
// or returns the text alone when it has no such line.
func lastException(text string) (name, message string) {
	text = strings.TrimRight(text, "\n ")
	line := text
	if i := strings.LastIndexByte(text, '\n'); i >= 0 && strings.HasPrefix(text, "Traceback") {
		line = text[i+1:]
	}
	if n, m, ok := strings.Cut(line, ": "); ok && isIdentPath(n) {
		return n, m
	}
	return "", line
}

// isIdentPath reports a dotted Python name such as psycopg2.OperationalError.
func isIdentPath(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '.' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
