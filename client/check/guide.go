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
	return g
}
