package okapi

import (
	"errors"
	"fmt"
)

// Code names the kind of an error the way Odoo's clients see it: each code is
// the Python exception class that Odoo raises for the same situation, because
// clients match on it (JSON-RPC error.data.name, JSON-2 "name") and the
// transports derive XML-RPC fault codes and HTTP statuses from it.
type Code string

// Error codes. Each transport keeps one table from these to its own shape.
const (
	// EAccessDenied: bad credentials (wrong, expired, revoked or scoped key,
	// wrong password, archived user, cooldown). XML-RPC fault 3.
	EAccessDenied Code = "odoo.exceptions.AccessDenied"
	// EAccess: the user may not do this (model rights, record rules,
	// private methods). XML-RPC fault 4.
	EAccess Code = "odoo.exceptions.AccessError"
	// EMissing: a record does not exist or has been deleted. Fault 2.
	EMissing Code = "odoo.exceptions.MissingError"
	// EUser: a business rule refused the operation. Fault 2.
	EUser Code = "odoo.exceptions.UserError"
	// EValidation: a value broke a constraint. Fault 2.
	EValidation Code = "odoo.exceptions.ValidationError"

	// The following are Python built-in exceptions in Odoo: XML-RPC fault 1,
	// JSON-2 status 500 unless a transport says otherwise.
	ETypeError      Code = "builtins.TypeError"
	EValueError     Code = "builtins.ValueError"
	EAttributeError Code = "builtins.AttributeError"
	EKeyError       Code = "builtins.KeyError"
	EException      Code = "builtins.Exception"
	ENameError      Code = "builtins.NameError"

	// HTTP-level refusals used by JSON-2 (werkzeug exceptions in Odoo).
	ENotFound      Code = "werkzeug.exceptions.NotFound"
	EUnprocessable Code = "werkzeug.exceptions.UnprocessableEntity"
	EBadRequest    Code = "werkzeug.exceptions.BadRequest"
	EUnauthorized  Code = "werkzeug.exceptions.Unauthorized"

	// EDatabase: the named database is not served here. Odoo answers with a
	// PostgreSQL connection traceback; Okapi names the database instead.
	EDatabase Code = "psycopg2.OperationalError"

	// ETooMany: too many failures from this client; try again later.
	ETooMany Code = "okapi.TooManyRequests"

	// EUpstream: the gateway's upstream Odoo could not be reached, did
	// not answer in time, or answered something that is not Odoo's
	// protocol. The message says which and why (never a key). JSON-2: 502.
	EUpstream Code = "okapi.UpstreamUnavailable"

	// EInternal: anything without a code. Logged, never shown: the answer
	// says only that something went wrong.
	EInternal Code = "builtins.RuntimeError"
)

// Error is the one error type that crosses package boundaries with a meaning.
// Anything else reaching a transport is internal: logged and never shown.
type Error struct {
	Code    Code
	Message string
	// Args are the exception arguments as Odoo reports them (JSON "arguments");
	// nil means [Message].
	Args []any
	// RetryAfter, in seconds, for ETooMany.
	RetryAfter int
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, or EInternal when err has none.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EInternal
}

// ErrorMessage returns the message of an *Error, or a generic text for any
// other error so that internals never leak.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal server error"
}

// AsError returns err as an *Error, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// ErrAccessDenied is the answer to every credential failure: Odoo never says
// which part was wrong, so that guessing teaches nothing.
var ErrAccessDenied = &Error{Code: EAccessDenied, Message: "Access Denied"}

// ErrNotFound is returned by stores when a looked-up row does not exist.
var ErrNotFound = &Error{Code: EMissing, Message: "Record does not exist or has been deleted."}

// MsgCooldown is Odoo's text for a login during the failure cooldown.
const MsgCooldown = "Too many login failures, please wait a bit before trying again."
