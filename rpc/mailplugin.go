package rpc

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/okapi-erp/okapi"
	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/model"
)

// The routes of Odoo's mail_plugin (and crm_mail_plugin's lead route) that
// the Outlook and Gmail add-ins of odoo/mail-client-extensions call, under
// /mail_plugin from 15, and Odoo 14's under /mail_client_extension in every
// version (mailplugin_legacy.go): all
// JSON-RPC, open to every origin (the add-ins run on Microsoft's and
// Google's sites). The consent page that hands out auth codes is one of the
// web pages (package web); the codes and the keys are package auth's.

// pluginFunc handles one add-in route for the key's user.
type pluginFunc func(r *http.Request, u *okapi.User, p map[string]any) (any, error)

// pluginModels are the models whose chatter the add-ins may log an e-mail
// on (Odoo's whitelist: mail_plugin's res.partner, crm_mail_plugin's
// crm.lead; Okapi has no helpdesk or project).
var pluginModels = map[string]bool{"res.partner": true, "crm.lead": true}

// pluginLeadLimit is how many of a contact's leads partner/get lists.
const pluginLeadLimit = 5

func (h *Handler) registerMailPlugin(mux *http.ServeMux) {
	routes := map[string]pluginFunc{
		"partner/get":                h.pluginPartnerGet,
		"partner/search":             h.pluginPartnerSearch,
		"search_records/res.partner": h.pluginSearchPartners,
		"partner/create":             h.pluginPartnerCreate,
		"log_mail_content":           h.pluginLogMail,
		"lead/create":                h.pluginLeadCreate,
		"get_translations":           h.pluginTranslations,
	}
	v := h.profile.Version
	if v >= 15 {
		// mail_plugin's own routes (controllers of 15.0–19.0);
		// auth/check_version from 17 (authenticate.py 17.0).
		if v >= 17 {
			mux.HandleFunc("/mail_plugin/auth/check_version", cors(h.jsonRoute(h.pluginCheckVersion)))
		}
		mux.HandleFunc("/mail_plugin/auth/access_token", cors(h.jsonRoute(h.pluginAccessToken)))
		for path, fn := range routes {
			mux.HandleFunc("/mail_plugin/"+path, cors(h.pluginAuth(fn)))
		}
	}
	// Odoo 14's mail_client_extension routes (controllers/main.py 14.0),
	// which 15 and later keep for add-ins of that time (mail_plugin's and
	// crm_mail_plugin's controllers, 15.0: the old paths of these routes
	// only).
	const old = "/mail_client_extension/"
	mux.HandleFunc(old+"auth/access_token", cors(h.jsonRoute(h.pluginAccessToken)))
	for path, fn := range map[string]pluginFunc{
		"modules/get":             h.pluginModulesGet,
		"partner/get":             h.pluginPartnerGet,
		"partner/create":          h.pluginPartnerCreate,
		"log_single_mail_content": h.pluginLogSingleMail,
		"lead/get_by_partner_id":  h.pluginLeadsByPartner,
	} {
		mux.HandleFunc(old+path, cors(h.pluginAuth(fn)))
	}
}

// cors opens a route to every origin, as Odoo's cors="*": the answer says
// so, and a preflight (OPTIONS) is answered without credentials. No cookie
// is ever honoured across origins (no Allow-Credentials), and the routes
// behind it read the key from the Authorization header only.
func cors(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Access-Control-Allow-Origin", "*")
		hd.Set("Access-Control-Allow-Methods", "POST")
		if r.Method == http.MethodOptions {
			hd.Set("Access-Control-Max-Age", "86400")
			hd.Set("Access-Control-Allow-Headers", "Origin, X-Requested-With, Content-Type, Accept, Authorization")
			w.WriteHeader(http.StatusOK)
			return
		}
		next(w, r)
	}
}

// pluginAuth checks the add-in's key before the route: "Authorization:
// Bearer KEY" (Gmail) or the bare key (Outlook), of scope
// odoo.plugin.outlook or a global key. A missing or refused key is a 400, as
// Odoo answers; the failure counts towards the cooldown.
func (h *Handler) pluginAuth(fn pluginFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := strings.TrimSpace(r.Header.Get("Authorization"))
		if m := bearerRE.FindStringSubmatch(token); m != nil {
			token = m[1]
		}
		if token == "" {
			h.pluginRefuse(w, r, http.StatusBadRequest, &okapi.Error{Code: okapi.EBadRequest, Message: "Access token missing"})
			return
		}
		ctx, note := auth.WithKeyNote(r.Context())
		u, err := h.cfg.Auth.CheckPluginKey(ctx, token, h.cfg.ClientIP(r))
		switch {
		case auth.IsCooldown(err):
			w.Header().Set("Retry-After", strconv.Itoa(okapi.AsError(err).RetryAfter))
			h.pluginRefuse(w, r, http.StatusTooManyRequests, &okapi.Error{Code: okapi.ETooMany, Message: okapi.MsgCooldown})
			return
		case okapi.ErrorCode(err) == okapi.EAccessDenied:
			h.pluginRefuse(w, r, http.StatusBadRequest, &okapi.Error{Code: okapi.EBadRequest, Message: "Access token invalid"})
			return
		case err != nil:
			h.pluginRefuse(w, r, http.StatusInternalServerError, h.wireError(r, err))
			return
		}
		setKeyExpiration(w, note)
		h.jsonRoute(func(w http.ResponseWriter, r *http.Request, p map[string]any) (any, error) {
			return fn(r, u, p)
		})(w, r)
	}
}

// pluginRefuse answers before the body is read: a JSON-RPC error without an
// id, with the HTTP status the add-ins look at.
func (h *Handler) pluginRefuse(w http.ResponseWriter, r *http.Request, status int, e *okapi.Error) {
	out := getBuf()
	defer putBuf(out)
	*out, _ = h.appendJSONError(*out, nil, e)
	writeJSON(w, status, *out)
}

func (h *Handler) pluginCheckVersion(http.ResponseWriter, *http.Request, map[string]any) (any, error) {
	return int64(1), nil
}

// pluginAccessToken trades an auth code for a key. Every refused code gets
// Odoo's {"error": "Invalid code"} in a normal answer; the Gmail add-in
// also posts a null code only to see that the route exists.
func (h *Handler) pluginAccessToken(w http.ResponseWriter, r *http.Request, p map[string]any) (any, error) {
	invalid := okapi.Struct{{Name: "error", Value: "Invalid code"}}
	code, _ := p["auth_code"].(string)
	if code == "" {
		return invalid, nil
	}
	key, _, err := h.cfg.Auth.RedeemPluginCode(r.Context(), code, h.cfg.ClientIP(r))
	if errors.Is(err, auth.ErrInvalidCode) {
		return invalid, nil
	}
	if err != nil {
		return nil, err
	}
	return okapi.Struct{{Name: "access_token", Value: key}}, nil
}

// partnerFields are the fields the add-ins show of a contact.
var partnerFields = []string{"name", "email", "phone", "mobile", "function", "is_company", "parent_id", "parent_name",
	"image_1920", "website", "street", "zip", "city", "country_id"}

// pluginPartnerGet is partner/get: the contact of an e-mail's sender (or
// the one the add-in names), its company, its leads, and what the user may
// do. An unknown sender is id -1 with the name and address given; Okapi has
// no IAP enrichment, so its company is looked up by the address's domain
// among the companies already known, or is id -1.
func (h *Handler) pluginPartnerGet(r *http.Request, u *okapi.User, p map[string]any) (any, error) {
	ctx := r.Context()
	email, name := strParam(p, "email"), strParam(p, "name")
	var domain []any
	if id := intParam(p, "partner_id"); id > 0 {
		domain = []any{[]any{"id", "=", id}}
	} else if email != "" {
		domain = []any{[]any{"email", "=ilike", model.EscapeLike(strings.TrimSpace(email))}}
	}
	var partner okapi.Struct
	if domain != nil {
		recs, err := h.pluginSearch(ctx, u, "res.partner", domain, partnerFields, 1)
		if err != nil {
			return nil, err
		}
		if len(recs) > 0 {
			partner = recs[0]
		}
	}
	canCreate, err := h.pluginMay(ctx, u, "res.partner", "create")
	if err != nil {
		return nil, err
	}
	out := okapi.Struct{}
	if partner == nil {
		company, err := h.pluginCompanyOfDomain(ctx, u, email)
		if err != nil {
			return nil, err
		}
		out.Set("partner", okapi.Struct{{Name: "id", Value: int64(-1)}, {Name: "name", Value: name}, {Name: "email", Value: email},
			{Name: "enrichment_info", Value: nil}, {Name: "company", Value: company}})
	} else {
		data, err := h.pluginPartnerData(ctx, u, partner)
		if err != nil {
			return nil, err
		}
		out.Set("partner", data)
	}
	out.Set("user_companies", []any{okapi.MainCompanyID})
	out.Set("can_create_partner", canCreate)
	if partner != nil {
		if err := h.pluginLeads(ctx, u, recID(partner), &out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// pluginLeads adds a contact's leads, when the user may read leads.
func (h *Handler) pluginLeads(ctx context.Context, u *okapi.User, partnerID int64, out *okapi.Struct) error {
	ok, err := h.pluginMay(ctx, u, "crm.lead", "read")
	if err != nil || !ok {
		return err
	}
	domain := []any{[]any{"partner_id", "=", partnerID}}
	recs, err := h.pluginSearch(ctx, u, "crm.lead", domain, []string{"name", "expected_revenue", "probability"}, pluginLeadLimit)
	if err != nil {
		return err
	}
	count, err := h.cfg.Models.Execute(ctx, u, "crm.lead", "search_count", []any{domain}, nil)
	if err != nil {
		return err
	}
	leads := make([]any, 0, len(recs))
	for _, l := range recs {
		leads = append(leads, okapi.Struct{{Name: "lead_id", Value: recID(l)}, {Name: "name", Value: field(l, "name")},
			{Name: "expected_revenue", Value: field(l, "expected_revenue")}, {Name: "probability", Value: field(l, "probability")}})
	}
	out.Set("leads", leads)
	out.Set("lead_count", count)
	return nil
}

// pluginPartnerData is a contact as the add-ins read it.
func (h *Handler) pluginPartnerData(ctx context.Context, u *okapi.User, rec okapi.Struct) (okapi.Struct, error) {
	canWrite, err := h.pluginMay(ctx, u, "res.partner", "write")
	if err != nil {
		return nil, err
	}
	name := field(rec, "name")
	if name == false || name == "" {
		name = orEmpty(field(rec, "email"))
	}
	var company okapi.Struct
	switch {
	case field(rec, "is_company") == true:
		company = companyData(rec)
	case m2oID(field(rec, "parent_id")) > 0:
		recs, err := h.pluginSearch(ctx, u, "res.partner", []any{[]any{"id", "=", m2oID(field(rec, "parent_id"))}}, partnerFields, 1)
		if err != nil {
			return nil, err
		}
		if len(recs) > 0 {
			company = companyData(recs[0])
		}
	}
	if company == nil {
		company = okapi.Struct{{Name: "id", Value: int64(-1)}}
	}
	return okapi.Struct{
		{Name: "id", Value: recID(rec)},
		{Name: "name", Value: name},
		{Name: "title", Value: field(rec, "function")},
		{Name: "email", Value: field(rec, "email")},
		{Name: "image", Value: field(rec, "image_1920")},
		{Name: "phone", Value: field(rec, "phone")},
		{Name: "mobile", Value: field(rec, "mobile")},
		{Name: "is_company", Value: field(rec, "is_company") == true},
		{Name: "parent_name", Value: field(rec, "parent_name")},
		{Name: "can_write_on_partner", Value: canWrite},
		{Name: "enrichment_info", Value: nil},
		{Name: "company", Value: company},
	}, nil
}

// companyData is a company as the add-ins read it; additionalInfo is what
// IAP would have found, which Okapi does not ask.
func companyData(rec okapi.Struct) okapi.Struct {
	country := field(rec, "country_id")
	if l, ok := country.([]any); ok && len(l) == 2 {
		country = l[1]
	}
	return okapi.Struct{
		{Name: "id", Value: recID(rec)},
		{Name: "name", Value: field(rec, "name")},
		{Name: "phone", Value: field(rec, "phone")},
		{Name: "mobile", Value: field(rec, "mobile")},
		{Name: "email", Value: field(rec, "email")},
		{Name: "address", Value: okapi.Struct{{Name: "street", Value: field(rec, "street")}, {Name: "city", Value: field(rec, "city")},
			{Name: "zip", Value: field(rec, "zip")}, {Name: "country", Value: country}}},
		{Name: "website", Value: field(rec, "website")},
		{Name: "additionalInfo", Value: okapi.Struct{}},
		{Name: "image", Value: field(rec, "image_1920")},
	}
}

// pluginCompanyOfDomain finds a known company whose address shares the
// sender's domain, as Odoo does before asking IAP; {id: -1} when none.
func (h *Handler) pluginCompanyOfDomain(ctx context.Context, u *okapi.User, email string) (okapi.Struct, error) {
	none := okapi.Struct{{Name: "id", Value: int64(-1)}}
	at := strings.LastIndexByte(email, '@')
	if at < 0 || at == len(email)-1 {
		return none, nil
	}
	domain := []any{[]any{"is_company", "=", true}, []any{"email", "=ilike", "%@" + model.EscapeLike(strings.TrimSpace(email[at+1:]))}}
	recs, err := h.pluginSearch(ctx, u, "res.partner", domain, partnerFields, 1)
	if err != nil || len(recs) == 0 {
		return none, err
	}
	return companyData(recs[0]), nil
}

// pluginPartnerSearch is the Gmail add-in's partner/search: search_term,
// limit (30) → {"partners": [...]}.
func (h *Handler) pluginPartnerSearch(r *http.Request, u *okapi.User, p map[string]any) (any, error) {
	limit := intParam(p, "limit")
	if limit <= 0 || limit > 100 {
		limit = 30
	}
	recs, err := h.pluginFindPartners(r.Context(), u, p["search_term"], limit)
	if err != nil {
		return nil, err
	}
	return okapi.Struct{{Name: "partners", Value: recs}}, nil
}

// pluginSearchPartners is the Outlook add-in's search_records/res.partner:
// query (a text or a list of addresses) → [records, count].
func (h *Handler) pluginSearchPartners(r *http.Request, u *okapi.User, p map[string]any) (any, error) {
	recs, err := h.pluginFindPartners(r.Context(), u, p["query"], 30)
	if err != nil {
		return nil, err
	}
	return []any{recs, int64(len(recs))}, nil
}

// pluginFindPartners searches contacts by an address (exactly), a text
// (name, reference or address containing it) or a list of addresses.
func (h *Handler) pluginFindPartners(ctx context.Context, u *okapi.User, query any, limit int64) ([]any, error) {
	var domain []any
	switch q := query.(type) {
	case string:
		q = strings.TrimSpace(q)
		if q == "" {
			return []any{}, nil
		}
		if strings.Contains(q, "@") && !strings.ContainsAny(q, " \t") {
			domain = []any{[]any{"email", "=ilike", model.EscapeLike(q)}}
		} else {
			domain = []any{"|", "|", []any{"name", "ilike", q}, []any{"ref", "=", q}, []any{"email", "ilike", q}}
		}
	case []any:
		for _, e := range q {
			if s, ok := e.(string); ok && strings.TrimSpace(s) != "" {
				if len(domain) > 0 {
					domain = append([]any{"|"}, domain...)
				}
				domain = append(domain, []any{"email", "=ilike", model.EscapeLike(strings.TrimSpace(s))})
			}
		}
		if len(domain) == 0 {
			return []any{}, nil
		}
	default:
		return []any{}, nil
	}
	recs, err := h.pluginSearch(ctx, u, "res.partner", domain, partnerFields, limit)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(recs))
	for _, rec := range recs {
		d, err := h.pluginPartnerData(ctx, u, rec)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// pluginPartnerCreate is partner/create: email, name, company (the id of
// the company to attach the contact to, or -1) → {id}.
func (h *Handler) pluginPartnerCreate(r *http.Request, u *okapi.User, p map[string]any) (any, error) {
	vals := map[string]any{"name": p["name"], "email": p["email"]}
	if c := intParam(p, "company"); c > 0 {
		vals["parent_id"] = c
	}
	id, err := h.cfg.Models.Execute(r.Context(), u, "res.partner", "create", []any{vals}, nil)
	if err != nil {
		return nil, err
	}
	return okapi.Struct{{Name: "id", Value: firstID(id)}}, nil
}

// pluginLogMail is log_mail_content: the e-mail's body posted on the
// record's chatter. Another model than the whitelisted ones is a 403, as in
// Odoo. Attachments are not kept: Okapi has no attachment store.
func (h *Handler) pluginLogMail(r *http.Request, u *okapi.User, p map[string]any) (any, error) {
	model := strParam(p, "model")
	if !pluginModels[model] {
		return nil, withStatus(http.StatusForbidden, &okapi.Error{Code: okapi.EAccess, Message: "Forbidden"})
	}
	id := intParam(p, "res_id")
	_, err := h.cfg.Models.Execute(r.Context(), u, model, "message_post", []any{[]any{id}},
		map[string]any{"body": strParam(p, "message")})
	if err != nil {
		return nil, err
	}
	return true, nil
}

// pluginLeadCreate is crm_mail_plugin's lead/create: partner_id,
// email_subject, email_body → {lead_id}, or {error: partner_not_found}.
func (h *Handler) pluginLeadCreate(r *http.Request, u *okapi.User, p map[string]any) (any, error) {
	ctx := r.Context()
	pid := intParam(p, "partner_id")
	recs, err := h.pluginSearch(ctx, u, "res.partner", []any{[]any{"id", "=", pid}}, []string{"name"}, 1)
	if err != nil {
		return nil, err
	}
	if pid <= 0 || len(recs) == 0 {
		return okapi.Struct{{Name: "error", Value: "partner_not_found"}}, nil
	}
	name := strings.TrimSpace(strParam(p, "email_subject"))
	if name == "" {
		// Odoo names a nameless lead after its customer.
		name = orEmpty(field(recs[0], "name")).(string) + "'s opportunity"
	}
	id, err := h.cfg.Models.Execute(ctx, u, "crm.lead", "create", []any{map[string]any{
		"name": name, "partner_id": pid, "description": strParam(p, "email_body"), "type": "opportunity"}}, nil)
	if err != nil {
		return nil, err
	}
	return okapi.Struct{{Name: "lead_id", Value: firstID(id)}}, nil
}

// pluginTranslations is get_translations: the add-ins' texts in the user's
// language. Okapi speaks English (en_US), where there is nothing to
// translate.
func (h *Handler) pluginTranslations(*http.Request, *okapi.User, map[string]any) (any, error) {
	return okapi.Struct{}, nil
}

// pluginSearch is search_read with the user's rights.
func (h *Handler) pluginSearch(ctx context.Context, u *okapi.User, model string, domain []any, fields []string, limit int64) ([]okapi.Struct, error) {
	if m := h.cfg.Models.Model(model); m != nil {
		kept := make([]any, 0, len(fields))
		for _, f := range fields {
			if m.Field(f) != nil { // mobile is gone in 19
				kept = append(kept, f)
			}
		}
		res, err := h.cfg.Models.Execute(ctx, u, model, "search_read", []any{domain},
			map[string]any{"fields": kept, "limit": limit})
		if err != nil {
			return nil, err
		}
		recs, _ := res.([]okapi.Struct)
		return recs, nil
	}
	return nil, nil
}

// pluginMay reports whether the user has a right on a model.
func (h *Handler) pluginMay(ctx context.Context, u *okapi.User, model, op string) (bool, error) {
	ok, err := h.cfg.Models.Execute(ctx, u, model, "check_access_rights", []any{op}, map[string]any{"raise_exception": false})
	return ok == true, err
}

func field(rec okapi.Struct, name string) any {
	v, ok := rec.Get(name)
	if !ok {
		return false
	}
	return v
}

func recID(rec okapi.Struct) int64 {
	id, _ := field(rec, "id").(int64)
	return id
}

func m2oID(v any) int64 {
	if l, ok := v.([]any); ok && len(l) > 0 {
		id, _ := l[0].(int64)
		return id
	}
	id, _ := v.(int64)
	return id
}

func orEmpty(v any) any {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}

// firstID is the id of a create, which answers an id or a list of them.
func firstID(v any) int64 {
	switch x := v.(type) {
	case []int64:
		if len(x) > 0 {
			return x[0]
		}
	case []any:
		if len(x) > 0 {
			id, _ := x[0].(int64)
			return id
		}
	}
	id, _ := v.(int64)
	return id
}

func strParam(p map[string]any, name string) string {
	s, _ := p[name].(string)
	return s
}

func intParam(p map[string]any, name string) int64 {
	switch x := p[name].(type) {
	case int64:
		return x
	case float64:
		if x == float64(int64(x)) {
			return int64(x)
		}
	}
	return 0
}
