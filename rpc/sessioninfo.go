package rpc

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"net/http"

	"github.com/okapi-erp/okapi"
)

// sessionInfoStruct is Odoo's session_info, the answer of
// /web/session/authenticate and /web/session/get_session_info, with every
// key the profile's version sends, in its order and shape. 16.0–19.0 follow
// the recorded answers (testdata/odoo/*/web_session_authenticate_*.json);
// 17 adds the keys of a 17.0 with mail installed (mail/models/ir_http.py
// 17.0), as Okapi serves the mail add-in; 14 and 15, unrecorded, follow
// web/models/ir_http.py of 14.0 and 15.0 with 16 as the model: 14's
// user_companies holds [id, name] pairs, 15's dicts with id, name and
// sequence. The backend part (companies, currencies, cache hashes) goes to
// internal users only, as in Odoo.
func (h *Handler) sessionInfoStruct(r *http.Request, u *okapi.User) okapi.Struct {
	v := h.profile.Version
	internal := u.Internal()
	add := func(s *okapi.Struct, name string, value any) { *s = append(*s, okapi.Member{Name: name, Value: value}) }
	var out okapi.Struct
	add(&out, "uid", u.ID)
	add(&out, "is_system", u.Admin())
	add(&out, "is_admin", u.InGroup(okapi.GroupERPManager))
	if v >= 18 {
		add(&out, "is_public", false)
	}
	if v >= 17 {
		add(&out, "is_internal_user", internal)
	}
	add(&out, "user_context", okapi.Struct{{Name: "lang", Value: "en_US"}, {Name: "tz", Value: false}, {Name: "uid", Value: u.ID}})
	add(&out, "db", h.cfg.DBName)
	if v >= 19 {
		add(&out, "registry_hash", hexSum256(h.profile.ServerVersion+"\x00registry\x00"+h.cfg.DBName))
	}
	if v >= 17 {
		settings := okapi.Struct{{Name: "id", Value: u.ID}}
		if v >= 19 {
			add(&settings, "embedded_actions_config_ids", okapi.Struct{})
		}
		add(&settings, "user_id", okapi.Struct{{Name: "id", Value: u.ID}})
		add(&out, "user_settings", settings)
	}
	add(&out, "server_version", h.profile.ServerVersion)
	add(&out, "server_version_info", h.profile.ServerVersionInfo)
	if v >= 15 {
		add(&out, "support_url", "https://www.odoo.com/buy")
	}
	add(&out, "name", u.Name)
	add(&out, "username", u.Login)
	if v >= 19 {
		add(&out, "quick_login", true)
	}
	if v >= 18 {
		add(&out, "partner_write_date", h.partnerWriteDate(r, u))
	}
	add(&out, "partner_display_name", u.Name)
	if v <= 16 {
		add(&out, "company_id", companyOf(u))
	}
	add(&out, "partner_id", u.PartnerID)
	add(&out, "web.base.url", baseURL(r))
	add(&out, "active_ids_limit", int64(20000))
	if v >= 15 {
		add(&out, "profile_session", nil)
		add(&out, "profile_collectors", nil)
		add(&out, "profile_params", nil)
	}
	add(&out, "max_file_upload_size", int64(128<<20))
	add(&out, "home_action_id", false)
	if v == 17 {
		// mail's additions (mail/models/ir_http.py, 17.0).
		add(&out, "iap_company_enrich", false)
		add(&out, "notification_type", "email")
		add(&out, "odoobot_initialized", false)
		add(&out, "tour_disable", false)
		add(&out, "web_tours", []any{})
	}
	if !internal {
		return out
	}
	if v <= 18 {
		hashes := okapi.Struct{{Name: "translations", Value: hexSum1(h.profile.ServerVersion + "\x00en_US")},
			{Name: "load_menus", Value: hexSum256(h.profile.ServerVersion + "\x00menus")}}
		if v == 14 {
			hashes = append(okapi.Struct{{Name: "load_menus", Value: hexSum1(h.profile.ServerVersion + "\x00menus")},
				{Name: "qweb", Value: hexSum1(h.profile.ServerVersion + "\x00qweb")}}, hashes[0])
		}
		add(&out, "cache_hashes", hashes)
	}
	add(&out, "currencies", h.currencies())
	if v >= 15 {
		add(&out, "bundle_params", okapi.Struct{{Name: "lang", Value: "en_US"}})
	}
	if v >= 18 {
		add(&out, "test_mode", false)
		add(&out, "view_info", viewInfo)
	}
	if v >= 19 {
		add(&out, "groups", okapi.Struct{{Name: "base.group_allow_export", Value: false}})
	}
	add(&out, "user_companies", h.userCompanies())
	add(&out, "show_effect", true)
	if v <= 18 {
		add(&out, "display_switch_company_menu", false)
	}
	switch {
	case v <= 17:
		add(&out, "user_id", []any{u.ID})
	case v == 18:
		add(&out, "websocket_worker_version", "18.0-5")
	default:
		add(&out, "websocket_worker_version", "19.0-2")
	}
	if v >= 18 {
		add(&out, "tour_enabled", false)
		add(&out, "current_tour", nil)
	}
	return out
}

// userCompanies is the user's companies: [id, name] pairs in 14, a dict by
// id from 15 (with the company tree from 17, its currency in 19).
func (h *Handler) userCompanies() okapi.Struct {
	v := h.profile.Version
	const name = "My Company"
	id := okapi.MainCompanyID
	if v == 14 {
		return okapi.Struct{{Name: "current_company", Value: []any{id, name}},
			{Name: "allowed_companies", Value: []any{[]any{id, name}}}}
	}
	company := okapi.Struct{{Name: "id", Value: id}, {Name: "name", Value: name}, {Name: "sequence", Value: int64(0)}}
	if v >= 17 {
		company = append(company, okapi.Member{Name: "child_ids", Value: []any{}}, okapi.Member{Name: "parent_id", Value: false})
	}
	if v >= 19 {
		company = append(company, okapi.Member{Name: "currency_id", Value: int64(1)})
	}
	out := okapi.Struct{{Name: "current_company", Value: id}, {Name: "allowed_companies", Value: okapi.Struct{{Name: "1", Value: company}}}}
	if v >= 17 {
		out = append(out, okapi.Member{Name: "disallowed_ancestor_companies", Value: okapi.Struct{}})
	}
	return out
}

// currencies is the company currency as the web client gets it: the euro
// in 14–16's base data, the dollar from 17 (as recorded), named in 19.
func (h *Handler) currencies() okapi.Struct {
	v := h.profile.Version
	c := okapi.Struct{{Name: "symbol", Value: "$"}, {Name: "position", Value: "before"}, {Name: "digits", Value: []any{int64(69), int64(2)}}}
	if v <= 16 {
		c = okapi.Struct{{Name: "symbol", Value: "€"}, {Name: "position", Value: "after"}, {Name: "digits", Value: []any{int64(69), int64(2)}}}
	}
	if v >= 19 {
		c = append(okapi.Struct{{Name: "name", Value: "USD"}}, c...)
	}
	return okapi.Struct{{Name: "1", Value: c}}
}

var viewInfo = func() okapi.Struct {
	var out okapi.Struct
	for _, v := range [][4]any{
		{"list", "List", "oi oi-view-list", true}, {"form", "Form", "fa fa-address-card", false},
		{"graph", "Graph", "fa fa-area-chart", true}, {"pivot", "Pivot", "oi oi-view-pivot", true},
		{"calendar", "Calendar", "fa fa-calendar", true}, {"kanban", "Kanban", "oi oi-view-kanban", true},
		{"search", "Search", "oi oi-search", true},
	} {
		out = append(out, okapi.Member{Name: v[0].(string), Value: okapi.Struct{{Name: "display_name", Value: v[1]},
			{Name: "icon", Value: v[2]}, {Name: "multi_record", Value: v[3]}}})
	}
	return out
}()

// partnerWriteDate is the last change of the user's contact (18+: the web
// client keys the avatar's cache on it).
func (h *Handler) partnerWriteDate(r *http.Request, u *okapi.User) any {
	if h.cfg.Models != nil && u.PartnerID != 0 {
		res, err := h.cfg.Models.Execute(r.Context(), u, "res.partner", "read", []any{[]any{u.PartnerID}},
			map[string]any{"fields": []any{"write_date"}})
		if recs, ok := res.([]okapi.Struct); err == nil && ok && len(recs) == 1 {
			if d, ok := recs[0].Get("write_date"); ok {
				return d
			}
		}
	}
	return u.WriteDate.UTC().Format("2006-01-02 15:04:05")
}

// baseURL is web.base.url as Odoo sets it from the first administrator's
// visit: the address the server is reached at.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func hexSum1(s string) string   { b := sha1.Sum([]byte(s)); return hex.EncodeToString(b[:]) }
func hexSum256(s string) string { b := sha256.Sum256([]byte(s)); return hex.EncodeToString(b[:]) }

func companyOf(u *okapi.User) int64 {
	if u.CompanyID != 0 {
		return u.CompanyID
	}
	return okapi.MainCompanyID
}
