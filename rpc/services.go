package rpc

import (
	"context"
	"fmt"

	"github.com/okapi-erp/okapi"
)

// dispatch runs service.method(params...) for XML-RPC and JSON-RPC alike:
// the "common", "db" and "object" services of Odoo.
func (h *Handler) dispatch(ctx context.Context, service, method string, params []any, ip string) (any, error) {
	switch service {
	case "common":
		return h.common(ctx, method, params, ip)
	case "db":
		return h.db(method, params)
	case "object":
		return h.object(ctx, method, params, ip)
	}
	return nil, &okapi.Error{Code: okapi.EKeyError, Message: service, Args: []any{service}}
}

// checkDB refuses a database this server does not serve, naming it
// (Odoo answers with a PostgreSQL connection traceback instead).
func (h *Handler) checkDB(v any) error {
	db, _ := v.(string)
	if db == h.cfg.DBName {
		return nil
	}
	return okapi.Errorf(okapi.EDatabase, "database %q does not exist", fmt.Sprint(v))
}

// missingArgs words Python's TypeError for a call with too few arguments.
func missingArgs(fn string, names []string, have int) error {
	miss := names[have:]
	quoted := make([]string, len(miss))
	for i, n := range miss {
		quoted[i] = "'" + n + "'"
	}
	s := ""
	if len(miss) > 1 {
		s = "s"
	}
	return okapi.Errorf(okapi.ETypeError, "%s() missing %d required positional argument%s: %s", fn, len(miss), s, joinPy(quoted))
}

func joinPy(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	case 2:
		return items[0] + " and " + items[1]
	}
	out := ""
	for i, it := range items {
		switch {
		case i == len(items)-1:
			out += ", and " + it
		case i > 0:
			out += ", " + it
		default:
			out += it
		}
	}
	return out
}

func tooMany(fn string, min, max, got int) error {
	if min == max {
		return okapi.Errorf(okapi.ETypeError, "%s() takes %d positional arguments but %d were given", fn, max, got)
	}
	return okapi.Errorf(okapi.ETypeError, "%s() takes from %d to %d positional arguments but %d were given", fn, min, max, got)
}

func (h *Handler) common(ctx context.Context, method string, params []any, ip string) (any, error) {
	front, _ := h.cfg.Exec.(Front)
	switch method {
	case "version":
		if front != nil {
			return front.Version(ctx)
		}
		return h.profile.VersionStruct(), nil
	case "about":
		if len(params) > 0 && params[0] == true {
			return []any{"See http://openerp.com", h.profile.ServerVersion}, nil
		}
		return "See http://openerp.com", nil
	case "set_loglevel":
		return true, nil
	case "login", "authenticate":
		names := []string{"db", "login", "password"}
		if method == "authenticate" {
			names = append(names, "user_agent_env")
		}
		if len(params) < len(names) {
			return nil, missingArgs(method, names, len(params))
		}
		if len(params) > len(names) {
			return nil, tooMany(method, len(names), len(names), len(params))
		}
		if err := h.checkDB(params[0]); err != nil {
			return nil, err
		}
		login, _ := params[1].(string)
		secret, _ := params[2].(string)
		if front != nil {
			return front.Authenticate(ctx, login, secret, ip)
		}
		uid, err := h.cfg.Auth.Authenticate(ctx, login, secret, ip)
		if err != nil {
			if okapi.ErrorCode(err) == okapi.EAccessDenied {
				// Every credential failure, the cooldown included, is a
				// plain false, as Odoo answers it.
				return false, nil
			}
			return nil, err
		}
		return uid, nil
	}
	return nil, okapi.Errorf(okapi.EException, "Method not found: %s", method)
}

func (h *Handler) db(method string, params []any) (any, error) {
	switch method {
	case "server_version":
		return h.profile.ServerVersion, nil
	case "list":
		if h.cfg.NoListDB {
			return nil, okapi.ErrAccessDenied
		}
		return []any{h.cfg.DBName}, nil
	case "db_exist":
		if len(params) < 1 {
			return nil, missingArgs("exp_db_exist", []string{"db_name"}, 0)
		}
		return params[0] == h.cfg.DBName, nil
	case "list_lang":
		return []any{[]any{"en_US", "English (US)"}}, nil
	case "create_database", "duplicate_database", "drop", "dump", "restore", "rename",
		"change_admin_password", "migrate_databases", "list_countries":
		// Database management needs Odoo's master password; Okapi has
		// none to give.
		return nil, okapi.ErrAccessDenied
	}
	return nil, okapi.Errorf(okapi.EException, "Method not found: %s", method)
}

func (h *Handler) object(ctx context.Context, method string, params []any, ip string) (any, error) {
	v19 := h.profile.Version >= 19
	if v19 && len(params) < 5 {
		return nil, okapi.Errorf(okapi.EValueError, "not enough values to unpack (expected at least 5, got %d)", len(params))
	}
	switch method {
	case "execute", "execute_kw":
	default:
		return nil, okapi.Errorf(okapi.ENameError, "Method not available %s", method)
	}
	names := []string{"db", "uid", "passwd", "obj", "method"}
	if method == "execute_kw" {
		names = append(names, "args")
		if len(params) < len(names) {
			return nil, missingArgs("execute_kw", names, len(params))
		}
		if len(params) > 7 {
			return nil, tooMany("execute_kw", 6, 7, len(params))
		}
	} else if len(params) < len(names) {
		return nil, missingArgs("execute", names, len(params))
	}
	if err := h.checkDB(params[0]); err != nil {
		return nil, err
	}
	uid, ok := toUID(params[1])
	if !ok {
		return nil, okapi.ErrAccessDenied
	}
	secret, _ := params[2].(string)
	var user *okapi.User
	var err error
	if front, ok := h.cfg.Exec.(Front); ok {
		ctx, user, err = front.CheckUID(ctx, uid, secret, ip)
	} else {
		user, err = h.cfg.Auth.CheckUID(ctx, uid, secret, ip)
	}
	if err != nil {
		return nil, err
	}
	model, _ := params[3].(string)
	meth, _ := params[4].(string)
	var args []any
	var kwargs map[string]any
	if method == "execute_kw" {
		switch a := params[5].(type) {
		case []any:
			args = a
		case nil:
		default:
			return nil, okapi.Errorf(okapi.ETypeError, "execute_kw() argument 'args' must be a list, not %s", pyType(params[5]))
		}
		if len(params) == 7 {
			switch k := params[6].(type) {
			case map[string]any:
				kwargs = k
			case nil, bool:
			default:
				return nil, okapi.Errorf(okapi.ETypeError, "execute_kw() argument 'kwargs' must be a dict, not %s", pyType(params[6]))
			}
		}
	} else {
		args = params[5:]
	}
	if err := h.checkPolicy(user, model, meth, ip); err != nil {
		return nil, err
	}
	return h.cfg.Exec.Execute(ctx, user, model, meth, args, kwargs)
}

func toUID(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case float64:
		if x == float64(int64(x)) {
			return int64(x), true
		}
	case string:
		var n int64
		_, err := fmt.Sscanf(x, "%d", &n)
		return n, err == nil
	}
	return 0, false
}

// pyType names a decoded value's type as Python's messages do, rather
// than Go's.
func pyType(v any) string {
	switch v.(type) {
	case []any:
		return "list"
	case map[string]any:
		return "dict"
	case string:
		return "str"
	case int64:
		return "int"
	case float64:
		return "float"
	case bool:
		return "bool"
	case []byte:
		return "bytes"
	case nil:
		return "NoneType"
	}
	return "object"
}
