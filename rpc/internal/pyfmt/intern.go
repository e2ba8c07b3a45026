package pyfmt

// Odoo traffic repeats a small vocabulary: method names, model names,
// keyword arguments, domain operators. Returning a shared string (and a
// shared boxed value) for those saves two allocations per occurrence on the
// hot path.

var commonWords = []string{
	// the JSON-RPC envelope
	"jsonrpc", "2.0", "call", "service", "method", "params", "common", "object", "db",
	// services and methods
	"authenticate", "login", "version", "about", "execute_kw", "execute", "list", "db_exist",
	"server_version", "list_lang", "search_read", "search", "read", "write", "create", "unlink",
	"search_count", "fields_get", "name_search", "name_get", "read_group", "default_get",
	"check_access_rights", "check_access", "copy", "name_create", "web_search_read", "web_read",
	"onchange", "exists", "action_archive", "action_unarchive",
	// models
	"res.partner", "res.users", "res.company", "res.users.apikeys", "res.groups", "res.country",
	"res.currency", "ir.model", "ir.model.data", "ir.model.fields", "product.product",
	"product.template", "sale.order", "sale.order.line", "account.move", "account.move.line",
	"stock.picking", "project.task", "crm.lead", "hr.employee", "mail.message",
	// keyword arguments and their common keys
	"args", "kwargs", "fields", "limit", "offset", "order", "context", "domain", "attributes",
	"lang", "tz", "uid", "active_test", "allowed_company_ids", "lazy", "groupby", "orderby",
	"count", "raise_exception", "operator", "vals", "vals_list", "ids", "default",
	"id", "name", "email", "display_name", "active", "login", "partner_id", "company_id",
	"string", "type", "required", "readonly", "help", "relation", "selection", "store",
	"model", "res_id", "share", "create_uid", "create_date", "write_uid", "write_date",
	"faultCode", "faultString", "en_US", "UTC", "id asc", "id desc", "name asc",
	// domain operators
	"=", "!=", "<", ">", "<=", ">=", "in", "not in", "like", "ilike", "not like",
	"not ilike", "=like", "=ilike", "child_of", "parent_of", "&", "|", "!",
}

// internTable is an open-addressing hash of commonWords: index+1, 0 for an
// empty slot. The hash reads four bytes, which is cheaper than the map's
// full hash and is all that is needed to reject most words that are not
// there.
var (
	internTable [512]uint16
	internBoxed []any
)

func internHash(b []byte) int {
	n := len(b)
	return (n*31 + int(b[0])*7 + int(b[n-1])*13 + int(b[n/2])) & (len(internTable) - 1)
}

func init() {
	internBoxed = make([]any, len(commonWords))
	for i, w := range commonWords {
		internBoxed[i] = w
		if w == "" || lookupCommon([]byte(w)) >= 0 {
			continue
		}
		h := internHash([]byte(w))
		for internTable[h] != 0 {
			h = (h + 1) & (len(internTable) - 1)
		}
		internTable[h] = uint16(i + 1)
	}
}

// maxInterned skips the lookup for text that cannot be a common word.
const maxInterned = 24

// lookupCommon returns the index of b in commonWords, or -1.
func lookupCommon(b []byte) int {
	if len(b) == 0 || len(b) > maxInterned {
		return -1
	}
	for h := internHash(b); internTable[h] != 0; h = (h + 1) & (len(internTable) - 1) {
		if k := int(internTable[h]) - 1; commonWords[k] == string(b) {
			return k
		}
	}
	return -1
}

// Intern returns b as a string, shared when it is a common word.
func Intern(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if k := lookupCommon(b); k >= 0 {
		return commonWords[k]
	}
	return string(b)
}

// InternValue returns b as a string boxed in an interface, shared when it
// is a common word.
func InternValue(b []byte) any {
	if len(b) == 0 {
		return ""
	}
	if k := lookupCommon(b); k >= 0 {
		return internBoxed[k]
	}
	return string(b)
}
