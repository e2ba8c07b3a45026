package rpc

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/okapi-erp/okapi"
)

// The routes of Odoo 14's mail_client_extension that later versions keep
// for add-ins of that time (mail_client_extension/controllers/main.py 14.0;
// mail_plugin and crm_mail_plugin's controllers 15.0).

// pluginModulesGet is modules/get: the modules the add-in may use.
func (h *Handler) pluginModulesGet(*http.Request, *okapi.User, map[string]any) (any, error) {
	return okapi.Struct{{Name: "modules", Value: []any{"contacts", "crm"}}}, nil
}

// pluginLogSingleMail is log_single_mail_content(lead, message): the e-mail
// posted on a lead's chatter.
func (h *Handler) pluginLogSingleMail(r *http.Request, u *okapi.User, p map[string]any) (any, error) {
	_, err := h.cfg.Models.Execute(r.Context(), u, "crm.lead", "message_post", []any{[]any{intParam(p, "lead")}},
		map[string]any{"body": strParam(p, "message")})
	return nil, err
}

// pluginLeadsByPartner is lead/get_by_partner_id(partner, limit, offset):
// the contact's leads with their expected revenue as formatLang writes a
// monetary amount.
func (h *Handler) pluginLeadsByPartner(r *http.Request, u *okapi.User, p map[string]any) (any, error) {
	res, err := h.cfg.Models.Execute(r.Context(), u, "crm.lead", "search_read",
		[]any{[]any{[]any{"partner_id", "=", intParam(p, "partner")}}},
		map[string]any{"fields": []any{"name", "expected_revenue"}, "offset": p["offset"], "limit": p["limit"]})
	if err != nil {
		return nil, err
	}
	recs, _ := res.([]okapi.Struct)
	leads := make([]any, 0, len(recs))
	for _, l := range recs {
		rev, _ := field(l, "expected_revenue").(float64)
		leads = append(leads, okapi.Struct{{Name: "id", Value: recID(l)}, {Name: "name", Value: field(l, "name")},
			{Name: "expected_revenue", Value: h.money(rev)}})
	}
	return okapi.Struct{{Name: "leads", Value: leads}}, nil
}

// money writes an amount in the company currency as formatLang does: two
// decimals, thousands grouped, the symbol where the currency puts it (the
// euro after in 14–16's base data, the dollar before from 17).
func (h *Handler) money(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, dec := s[:len(s)-3], s[len(s)-3:]
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	s = b.String() + dec
	if neg {
		s = "-" + s
	}
	if h.profile.Version <= 16 {
		return s + "\u00a0€"
	}
	return "$\u00a0" + s
}
