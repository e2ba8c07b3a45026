package check

import (
	"fmt"

	"github.com/okapi-erp/okapi"
)

// Guide is how to create an API key in one Odoo version. Its words come
// from okapi.Profile, the table the web pages use, so the guide, the
// checker and the pages never disagree.
type Guide struct {
	OdooVersion   int      `json:"odoo_version"`
	Path          string   `json:"path"`
	Steps         []string `json:"steps"`
	DeveloperMode bool     `json:"developer_mode"`
	KeysExpire    bool     `json:"keys_expire"`
	// Advice is what to choose and know beyond the clicks.
	Advice []string `json:"advice"`
}

// GuideFor returns the guide of a version's profile.
func GuideFor(p *okapi.Profile) *Guide {
	g := &Guide{OdooVersion: p.Version, Path: p.Path(), Steps: p.Steps(), DeveloperMode: p.UI.DevModeRequired, KeysExpire: p.KeysExpire}
	if p.UI.DevModeRequired {
		g.Advice = append(g.Advice, fmt.Sprintf("In Odoo %d the %q section shows only in developer mode: without it there is no %q button.",
			p.Version, p.UI.Section, p.UI.NewKeyButton))
	}
	if p.KeysExpire {
		g.Advice = append(g.Advice, fmt.Sprintf("Keys expire in Odoo %d and are then deleted without notice: choose %q if you are an administrator, otherwise the longest duration offered, and note when it ends.",
			p.Version, persistentLabel()))
	} else {
		g.Advice = append(g.Advice, fmt.Sprintf("Keys never expire in Odoo %d: a key works until it is deleted.", p.Version))
	}
	g.Advice = append(g.Advice, "A key acts as the user who made it: create it while logged in as the user the tool should act as.")
	// auth_totp (14+): with 2FA on, only keys open the external API.
	g.Advice = append(g.Advice, fmt.Sprintf("With two-factor authentication on (%s → %s → %q), the password no longer works for tools "+
		"(XML-RPC, JSON-RPC): use a key, which needs no code; there is no need to turn two-factor authentication off.",
		p.UI.MenuEntry, p.UI.Tab, totpButton(p.Version)))
	return g
}

// totpButton is the button that turns two-factor authentication on, in
// each version's security tab (auth_totp's view_totp_field).
func totpButton(v int) string {
	if v == 14 {
		return "Enable two-factor authentication"
	}
	return "Enable 2FA"
}
