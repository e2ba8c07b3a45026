package client

import (
	"errors"
	"testing"

	"github.com/okapi-erp/okapi"
)

// TestOdooErrorTable: every error as each protocol reports it, carried to
// the other protocols: the exception, from which each transport derives the
// fault code and the HTTP status as Odoo does (fault 3 ↔ 401, AccessError:
// fault 4 / 403, MissingError: fault 2 / 404, UserError and
// ValidationError: fault 2 / 422, the rest fault 1 / 500), and the message
// unchanged.
func TestOdooErrorTable(t *testing.T) {
	c := &Client{}
	fault := func(code any, text string) *Error { return fromFault(code, text) }
	jsonErr := func(name, msg string) *Error {
		return c.jsonError(map[string]any{"code": int64(200), "message": "Odoo Server Error", "data": map[string]any{"name": name, "message": msg}})
	}
	json2 := func(status int, name, msg string) *Error {
		return c.json2Error(map[string]any{"name": name, "message": msg}, nil, status, "m.f")
	}
	cases := []struct {
		what    string
		err     *Error
		toJSON2 okapi.Code // what a JSON-2 client gets
		toRPC   okapi.Code // what an XML-RPC or JSON-RPC client gets
	}{
		// From XML-RPC faults.
		{"fault 3", fault(int64(3), "Access Denied"), okapi.EUnauthorized, okapi.EAccessDenied},
		{"fault 4", fault(int64(4), "You are not allowed to modify 'User' (res.users) records."), okapi.EAccess, okapi.EAccess},
		{"fault 2 missing", fault(int64(2), "Record does not exist or has been deleted.\n(Record: res.partner(9,), User: 5)"), okapi.EMissing, okapi.EMissing},
		{"fault 2 user", fault(int64(2), "The operation cannot be completed: Contacts require a name"), okapi.EUser, okapi.EUser},
		{"fault 2 no model", fault(int64(2), "Object no.such.model doesn't exist"), okapi.ENotFound, okapi.EUser},
		{"fault 1 no method", fault(int64(1), "Traceback (most recent call last):\n  File \"x\"\nAttributeError: The method 'res.partner.nope' does not exist"), okapi.ENotFound, okapi.EAttributeError},
		{"fault 1 TypeError", fault(int64(1), "Traceback (most recent call last):\nTypeError: BaseModel._read_format() got an unexpected keyword argument 'limitt'"), okapi.ETypeError, okapi.ETypeError},
		{"fault 1 missing argument", fault(int64(1), "TypeError: BaseModel.write() missing 1 required positional argument: 'vals'"), okapi.EUnprocessable, okapi.ETypeError},
		{"fault 1 ValueError", fault(int64(1), "ValueError: Invalid field 'x' on model 'res.partner'"), okapi.EValueError, okapi.EValueError},
		{"legacy fault", fault("warning -- AccessError\n\nNo.", ""), okapi.EAccess, okapi.EAccess},
		// From JSON-RPC errors.
		{"JSON-RPC AccessDenied", jsonErr("odoo.exceptions.AccessDenied", "Access Denied"), okapi.EUnauthorized, okapi.EAccessDenied},
		{"JSON-RPC ValidationError", jsonErr("odoo.exceptions.ValidationError", "Contacts require a name"), okapi.EValidation, okapi.EValidation},
		{"JSON-RPC MissingError", jsonErr("odoo.exceptions.MissingError", "Record does not exist or has been deleted."), okapi.EMissing, okapi.EMissing},
		{"JSON-RPC UserError", jsonErr("odoo.exceptions.UserError", "Object no.such.model doesn't exist"), okapi.ENotFound, okapi.EUser},
		{"JSON-RPC KeyError", jsonErr("builtins.KeyError", "'x'"), okapi.EKeyError, okapi.EKeyError},
		// From JSON-2 answers (names and statuses as recorded from Odoo 19).
		{"JSON-2 401", json2(401, "werkzeug.exceptions.Unauthorized", "Invalid apikey"), okapi.EUnauthorized, okapi.EAccessDenied},
		{"JSON-2 403", json2(403, "odoo.exceptions.AccessError", "Private methods (such as 'res.partner._x') cannot be called remotely."), okapi.EAccess, okapi.EAccess},
		{"JSON-2 404 model", json2(404, "werkzeug.exceptions.NotFound", "the model 'no.such.model' does not exist"), okapi.ENotFound, okapi.EUser},
		{"JSON-2 404 method", json2(404, "werkzeug.exceptions.NotFound", "The method 'res.partner.nope' does not exist"), okapi.ENotFound, okapi.EAttributeError},
		{"JSON-2 404 record", json2(404, "odoo.exceptions.MissingError", "Record does not exist or has been deleted."), okapi.EMissing, okapi.EMissing},
		{"JSON-2 422 binding", json2(422, "werkzeug.exceptions.UnprocessableEntity", "missing a required argument: 'vals'"), okapi.EUnprocessable, okapi.ETypeError},
		{"JSON-2 422 validation", json2(422, "odoo.exceptions.ValidationError", "The operation cannot be completed: Contacts require a name"), okapi.EValidation, okapi.EValidation},
		{"JSON-2 422 user", json2(422, "odoo.exceptions.UserError", "No."), okapi.EUser, okapi.EUser},
		{"JSON-2 400", json2(400, "werkzeug.exceptions.BadRequest", "could not parse the body as json: Expecting value"), okapi.EBadRequest, okapi.EValueError},
		{"JSON-2 500 TypeError", json2(500, "builtins.TypeError", "Domain() invalid argument type for domain: 'garbage'"), okapi.ETypeError, okapi.ETypeError},
		{"JSON-2 429", json2(429, "okapi.TooManyRequests", okapi.MsgCooldown), okapi.ETooMany, okapi.ETooMany},
	}
	// Only a missing model is reworded: the dispatcher's words, in the
	// protocol the caller speaks.
	reworded := map[string]string{
		"Object no.such.model doesn't exist":       "the model 'no.such.model' does not exist",
		"the model 'no.such.model' does not exist": "Object no.such.model doesn't exist",
	}
	for _, tc := range cases {
		for _, to := range []Protocol{JSON2, XMLRPC, JSONRPC} {
			want := tc.toRPC
			if to == JSON2 {
				want = tc.toJSON2
			}
			msg := tc.err.Message
			if m, ok := reworded[msg]; ok && (to == JSON2) != (tc.err.Protocol == JSON2) {
				msg = m
			}
			got := okapi.AsError(OdooError(tc.err, to))
			if got == nil || got.Code != want || got.Message != msg {
				t.Errorf("%s → %s: %v, want %s with %q", tc.what, to, got, want, msg)
				continue
			}
		}
	}
	// Anything that is not a server's error crosses unchanged.
	plain := errors.New("dial tcp: connection refused")
	if OdooError(plain, JSON2) != plain {
		t.Error("a transport error was rewritten")
	}
}
