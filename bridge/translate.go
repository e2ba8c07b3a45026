// Package bridge moves a model call between Odoo's two ways of passing
// arguments: by position (XML-RPC's and JSON-RPC's execute_kw(model, method,
// args, kwargs), where record methods take their ids first) and by name
// (JSON-2's POST /json/2/<model>/<method> {"ids": …, name: value, …}).
//
// Doing so needs each method's parameter names, which differ between
// methods and between Odoo versions. They come from a table of the ORM's
// methods per version (signatures.go) and, for any other method, from what
// the upstream publishes (Odoo 19's /doc-bearer/<model>.json, published.go).
// A call whose positional arguments cannot be named is refused with an
// error that says so; the bridge never guesses.
//
// The client package uses it so that ExecuteKW works over JSON-2 and
// ExecuteNamed over XML-RPC and JSON-RPC; the gateway gets the protocol
// bridge from that.
package bridge

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/okapi-erp/okapi"
)

// Lookup finds a method's signature. It returns nil and no error when it
// does not know the method.
type Lookup interface {
	Signature(ctx context.Context, model, method string) (*Signature, error)
}

// ORM is the Lookup of the ORM's own methods in one Odoo version.
type ORM int

// Signature implements Lookup from the table.
func (v ORM) Signature(_ context.Context, _, method string) (*Signature, error) {
	return ORMSignature(int(v), method), nil
}

// Chain asks each Lookup in turn and returns the first signature found.
type Chain []Lookup

// Signature implements Lookup.
func (c Chain) Signature(ctx context.Context, model, method string) (*Signature, error) {
	var firstErr error
	for _, l := range c {
		s, err := l.Signature(ctx, model, method)
		if s != nil {
			return s, nil
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return nil, firstErr
}

// ErrUnnamed is in the chain of every refusal to name positional
// arguments (errors.Is).
var ErrUnnamed = errors.New("positional arguments that cannot be named")

// unnamed is a refusal: an Odoo-shaped TypeError (so that a gateway answers
// it as a fault, not as an internal error) that is also ErrUnnamed.
type unnamed struct{ e *okapi.Error }

func (u *unnamed) Error() string   { return u.e.Message }
func (u *unnamed) Unwrap() []error { return []error{u.e, ErrUnnamed} }

// Unnamed returns the refusal for model.method's positional arguments,
// saying why they cannot be named.
func Unnamed(model, method, why string) error {
	return &unnamed{&okapi.Error{Code: okapi.ETypeError, Message: fmt.Sprintf(
		"%s.%s: cannot pass positional arguments by name: %s; pass them as keyword arguments (kwargs) instead",
		model, method, why)}}
}

// IDsKey and ContextKey are the two JSON-2 names that are not parameters.
const (
	IDsKey     = "ids"
	ContextKey = "context"
)

// ToNamed turns execute_kw's args and kwargs into JSON-2's named
// parameters: the records (the first positional argument of a record
// method) as "ids", each further positional argument under its parameter's
// name, and kwargs under the names this signature uses (a name other Odoo
// versions give the same parameter is renamed). sig nil means the method is
// unknown: only keyword arguments can then cross, and positional ones are
// refused. So are bytes that are not text (values.go), and every call of a
// private method (Signature.Private), with Odoo's AccessError.
func ToNamed(sig *Signature, model, method string, args []any, kwargs map[string]any) (map[string]any, error) {
	if err := checkJSONable(args, 0); err != nil {
		return nil, err
	}
	if err := checkJSONable(kwargs, 0); err != nil {
		return nil, err
	}
	out := make(map[string]any, len(args)+len(kwargs))
	if sig == nil {
		if len(args) > 0 {
			return nil, Unnamed(model, method, "the method is not one of the ORM's and the upstream does not publish its signature")
		}
		for k, v := range kwargs {
			out[k] = v
		}
		return out, nil
	}
	if sig.Private {
		return nil, privateMethod(model, method)
	}
	rest := args
	if sig.Records {
		if len(args) == 0 {
			return nil, &okapi.Error{Code: okapi.ETypeError, Message: fmt.Sprintf(
				"%s.%s() runs on records: pass the list of ids as the first positional argument", model, method)}
		}
		out[IDsKey] = idsOf(args[0])
		rest = args[1:]
	}
	if len(rest) > len(sig.Params) {
		if sig.VarArgs {
			return nil, Unnamed(model, method, fmt.Sprintf("it takes *args, and positional arguments after the %d named ones have no names", len(sig.Params)))
		}
		return nil, tooMany(sig, model, method, len(rest))
	}
	for i, v := range rest {
		out[sig.Params[i]] = v
	}
	for k, v := range kwargs {
		n := k
		if k != ContextKey {
			n = sig.name(k)
		}
		if _, dup := out[n]; dup {
			return nil, &okapi.Error{Code: okapi.ETypeError, Message: fmt.Sprintf("%s.%s() got multiple values for argument '%s'", model, method, n)}
		}
		out[n] = v
	}
	return out, nil
}

// privateMethod is Odoo's refusal of a method it keeps from remote callers
// (@api.private), in the words of odoo/service/model.py of 19.0
// (get_public_method): the same AccessError, 403 on JSON-2 and fault 4 on
// XML-RPC, as the upstream would answer.
func privateMethod(model, method string) error {
	return okapi.Errorf(okapi.EAccess, "Private methods (such as '%s.%s') cannot be called remotely.", model, method)
}

// tooMany is Python's TypeError for extra positional arguments; like
// Python it counts self (the records, for a record method).
func tooMany(sig *Signature, model, method string, given int) error {
	max := len(sig.Params) + 1
	given++
	s := "s"
	if max == 1 {
		s = ""
	}
	return &okapi.Error{Code: okapi.ETypeError, Message: fmt.Sprintf(
		"%s.%s() takes %d positional argument%s but %d were given", model, method, max, s, given)}
}

// idsOf reads the records argument: a list of ids stays as it is, a single
// id becomes a list of one, and False or None an empty list, as browse()
// reads them.
func idsOf(v any) any {
	switch x := v.(type) {
	case int64:
		return []any{x}
	case int:
		return []any{int64(x)}
	case float64:
		return []any{x}
	case nil:
		return []any{}
	case bool:
		if !x {
			return []any{}
		}
	}
	return v
}

// ToPositional turns JSON-2's named parameters into execute_kw's args and
// kwargs: the ids first for a record method, then the leading parameters by
// position, as long as the call gives each in turn (under this version's
// name or another version's), and everything else, "context" included, as
// keyword arguments under this version's names. Passing by position keeps a
// call working on models whose overrides renamed a parameter. sig nil means
// the method is unknown: the ids, when given, are the first positional
// argument and every other parameter is a keyword argument. A private
// method is refused with Odoo's AccessError.
func ToPositional(sig *Signature, model, method string, params map[string]any) ([]any, map[string]any, error) {
	if sig != nil && sig.Private {
		return nil, nil, privateMethod(model, method)
	}
	ids, hasIDs := params[IDsKey]
	kwargs := make(map[string]any, len(params))
	var args []any
	switch {
	case sig == nil:
		if hasIDs {
			args = []any{idsOf(ids)}
		}
		for k, v := range params {
			if k != IDsKey {
				kwargs[k] = v
			}
		}
		return nonNilArgs(args), kwargs, nil
	case sig.Records:
		if !hasIDs {
			ids = []any{}
		}
		args = make([]any, 1, 1+len(sig.Params))
		args[0] = idsOf(ids)
	case hasIDs && !isEmptyIDs(ids):
		// Odoo 19 answers 422 for ids given to an @api.model method.
		return nil, nil, okapi.Errorf(okapi.EUnprocessable, "cannot call %s.%s with ids", model, method)
	default:
		args = make([]any, 0, len(sig.Params))
	}
	// Map each given name to this version's parameter name.
	given := make(map[string]any, len(params))
	for k, v := range params {
		if k == IDsKey {
			continue
		}
		n := k
		if k != ContextKey {
			n = sig.name(k)
		}
		if _, dup := given[n]; dup {
			return nil, nil, okapi.Errorf(okapi.EUnprocessable, "multiple values for argument '%s'", n)
		}
		given[n] = v
	}
	// Odoo 19 binds a JSON-2 call to the signature before running it, and
	// answers a missing argument with 422 in inspect's words.
	for _, p := range sig.Params[:min(sig.Required, len(sig.Params))] {
		if _, ok := given[p]; !ok {
			return nil, nil, okapi.Errorf(okapi.EUnprocessable, "missing a required argument: '%s'", p)
		}
	}
	i := 0
	for ; i < len(sig.Params); i++ {
		v, ok := given[sig.Params[i]]
		if !ok {
			break
		}
		args = append(args, v)
		delete(given, sig.Params[i])
	}
	if !sig.VarKw {
		// Nor may a name be one the method does not take: Odoo 19's
		// binding answers 422 before the call, where an older Odoo
		// would raise the TypeError from inside it (a 500).
		var unknown []string
		for k := range given {
			if k != ContextKey && !slices.Contains(sig.Params, k) && !slices.Contains(sig.KwOnly, k) {
				unknown = append(unknown, k)
			}
		}
		if len(unknown) > 0 {
			slices.Sort(unknown)
			return nil, nil, okapi.Errorf(okapi.EUnprocessable, "got an unexpected keyword argument '%s'", unknown[0])
		}
	}
	for k, v := range given {
		kwargs[k] = v
	}
	return args, kwargs, nil
}

func nonNilArgs(a []any) []any {
	if a == nil {
		return []any{}
	}
	return a
}

func isEmptyIDs(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case []any:
		return len(x) == 0
	case []int64:
		return len(x) == 0
	}
	return false
}
