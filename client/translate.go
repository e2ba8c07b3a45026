package client

import (
	"regexp"
	"strings"

	"github.com/okapi-erp/okapi"
)

// This file carries an error from the protocol a server answered in to the
// protocol a client asked in, for the protocol bridge: an upstream's
// *Error becomes the *okapi.Error that Okapi's own handlers answer with, on
// any transport, with Odoo's exception name and message kept.

// shortNames are the exception names a traceback's last line or a legacy
// fault code writes without their module.
var shortNames = map[string]okapi.Code{
	"AccessDenied":    okapi.EAccessDenied,
	"AccessError":     okapi.EAccess,
	"MissingError":    okapi.EMissing,
	"ValidationError": okapi.EValidation,
	"UserError":       okapi.EUser,
	"RedirectWarning": okapi.EUser,
	"Warning":         okapi.EUser,
}

// kindCodes name an error that carries no exception name, by its kind.
var kindCodes = map[Kind]okapi.Code{
	KindAccessDenied: okapi.EAccessDenied,
	KindAccessError:  okapi.EAccess,
	KindMissing:      okapi.EMissing,
	KindValidation:   okapi.EValidation,
	KindUserError:    okapi.EUser,
	KindDatabase:     okapi.EDatabase,
	KindNotFound:     okapi.ENotFound,
	KindRateLimited:  okapi.ETooMany,
}

var (
	// noModelRE and noMethodRE are how XML-RPC and JSON-RPC (up to Odoo
	// 18) say a model or method does not exist; JSON-2 answers both 404.
	noModelRE = regexp.MustCompile(`^Object (\S+) doesn't exist$`)
	// json2NoModelRE is how JSON-2 says it.
	json2NoModelRE = regexp.MustCompile(`^the model '([^']*)' does not exist$`)
	// Odoo 14–17 name the model apart: "… does not exist on the model 'x'".
	noMethodRE = regexp.MustCompile(`^The method '[^']*' does not exist( on the model '[^']*')?$`)
	// missingArgRE is Python's TypeError for a missing argument, which
	// JSON-2 checks before the call and answers 422.
	missingArgRE = regexp.MustCompile(`missing \d+ required (positional |keyword-only )?arguments?`)
)

// OdooError returns err as the *okapi.Error a server speaking protocol to
// answers with, when err is an *Error from a server that may speak another
// protocol; any other error is returned as it is. The exception and its
// message are kept; only what the two protocols say differently changes:
//
//   - JSON-2's 401 is XML-RPC's fault 3 (odoo.exceptions.AccessDenied) and
//     back;
//   - JSON-2's 422 for a call that does not bind (UnprocessableEntity) is a
//     TypeError elsewhere, its 400 a ValueError, and Python's TypeError for
//     a missing argument is JSON-2's 422;
//   - JSON-2's 404 for a model or method that does not exist is the
//     UserError ("Object … doesn't exist") or AttributeError XML-RPC gives,
//     and back; a missing model is worded as the protocol's dispatcher
//     words it, these being the dispatcher's words and not the model's.
//
// Faults 2 and 4, AccessError, MissingError, UserError and ValidationError
// keep their names, so every transport derives the same fault code or HTTP
// status from them as Odoo does. A traceback never crosses: an *Error holds
// only its last line.
func OdooError(err error, to Protocol) error {
	e, ok := err.(*Error)
	if !ok {
		return err
	}
	code := odooCode(e)
	msg := e.Message
	json2 := to == JSON2
	switch {
	case json2 && code == okapi.EAccessDenied:
		code = okapi.EUnauthorized
	case json2 && code == okapi.EUser && noModelRE.MatchString(msg):
		// The dispatcher's words, not the model's: JSON-2's own.
		code, msg = okapi.ENotFound, "the model '"+noModelRE.FindStringSubmatch(msg)[1]+"' does not exist"
	case json2 && code == okapi.EAttributeError && noMethodRE.MatchString(msg):
		code = okapi.ENotFound
	case json2 && code == okapi.ETypeError && missingArgRE.MatchString(msg):
		code = okapi.EUnprocessable
	case !json2 && code == okapi.EUnauthorized:
		code = okapi.EAccessDenied
	case !json2 && code == okapi.EUnprocessable:
		code = okapi.ETypeError
	case !json2 && code == okapi.EBadRequest:
		code = okapi.EValueError
	case !json2 && code == okapi.ENotFound && json2NoModelRE.MatchString(msg):
		code, msg = okapi.EUser, "Object "+json2NoModelRE.FindStringSubmatch(msg)[1]+" doesn't exist"
	case !json2 && code == okapi.ENotFound && noMethodRE.MatchString(msg):
		code = okapi.EAttributeError
	}
	return &okapi.Error{Code: code, Message: msg}
}

// odooCode is the exception an *Error stands for.
func odooCode(e *Error) okapi.Code {
	switch n := e.Name; {
	case n == "":
	case strings.Contains(n, "."):
		return okapi.Code(n)
	case shortNames[n] != "":
		return shortNames[n]
	case isIdentPath(n):
		// A built-in exception, as a traceback's last line writes it.
		return okapi.Code("builtins." + n)
	}
	if c, ok := kindCodes[e.Kind]; ok {
		return c
	}
	return okapi.EException
}
