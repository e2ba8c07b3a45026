package check

import (
	"fmt"

	"github.com/okapi-erp/okapi"
)

// causeFacts are what the checks learnt that changes the order of causes.
type causeFacts struct {
	keyLike    bool   // the value has a key's shape
	login      string // as given
	odooOnline bool   // *.odoo.com
	dbKnown    bool   // the database was seen in the server's list
}

// odooCauses lists why Odoo may have refused a login and key, most likely
// first, for that version: Odoo gives the same answer for all of them.
func odooCauses(p *okapi.Profile, f causeFacts) []string {
	var out []string
	add := func(s string, args ...any) { out = append(out, fmt.Sprintf(s, args...)) }
	if !f.keyLike {
		add("This is not an API key, so Odoo took it for a password: either it is not %q's password, or two-factor authentication is on, which refuses passwords over the API. Use an API key.", f.login)
	}
	if p.KeysExpire {
		add("The key has expired: in Odoo %d keys last the duration chosen when they were made (the longest one offered may be short), then they are deleted without notice. Make a new one choosing %q if you are an administrator, otherwise the longest duration.",
			p.Version, persistentLabel())
	}
	add("The key belongs to another user: a key works only with its owner's login, here %q. A key made while logged in as an administrator is the administrator's.", f.login)
	if f.odooOnline {
		add("On Odoo Online the external API needs a plan that includes it (the Custom plan): with other plans every key is refused.")
	}
	add("The key was deleted (revoked) in %s, by its owner or an administrator.", p.Path())
	add("The login is not exactly the user's login: it is often the e-mail address, and must match it character for character.")
	if !f.dbKnown {
		add("The key was made in another database: a key belongs to the database it was made in.")
	}
	add("The user has been archived: an archived user's keys stop working.")
	add("The key was made by a plugin (Outlook, Gmail) for its own use: such keys have a scope and do not open the external API.")
	if p.RPCCooldown {
		// Up to 15, the login cooldown also guards XML-RPC and JSON-RPC;
		// from 16 on RPC logins escape it.
		add("Too many failed logins from this address: Odoo %d refuses logins for a minute after 5 failures. Wait, then try again.", p.Version)
	}
	return out
}

// persistentLabel is the name of the never-expiring duration, as the key
// wizard shows it.
func persistentLabel() string {
	for _, d := range okapi.Durations {
		if d.Days == 0 {
			return d.Label
		}
	}
	return ""
}
