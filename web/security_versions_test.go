package web_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestSecurityTabPerVersion: the Account Security tab as each version lays
// it out. 17 orders its groups Password Management, Other Devices, API Keys
// (18: the keys before the devices), asks for the password to log out the
// other devices in its own "Log out from all devices?" dialog, and every
// version links the external API's documentation beside the keys:
// "Documentation" in 14–15, "Learn more" from 16.
func TestSecurityTabPerVersion(t *testing.T) {
	t.Parallel()
	for v := 14; v <= 19; v++ {
		t.Run(fmt.Sprint(v), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, v)
			prefs := "/web/preferences"
			if v >= 19 {
				prefs = "/odoo/preferences"
			}
			c := e.client()
			c.login(userLogin, userPassword)
			tab := c.get(prefs + "?tab=security&debug=1").Body
			label := "Learn more"
			if v <= 15 {
				label = "Documentation"
			}
			contains(t, tab, `class="o_docs_link"`, ">"+label+"</a>", "https://www.odoo.com/documentation/")
			if v == 17 || v == 18 {
				pw, devices, keys := strings.Index(tab, "Password Management"), strings.Index(tab, "Other Devices"), strings.Index(tab, `o_api_keys`)
				if pw < 0 || devices < 0 || keys < 0 {
					t.Fatalf("groups missing: password %d, devices %d, keys %d", pw, devices, keys)
				}
				if v == 17 && !(pw < devices && devices < keys) {
					t.Errorf("17's order: password %d, devices %d, keys %d; want Password Management, Other Devices, API Keys", pw, devices, keys)
				}
				if v == 18 && !(pw < keys && keys < devices) {
					t.Errorf("18's order: password %d, keys %d, devices %d; want the keys before the devices", pw, keys, devices)
				}
			}
			if v < 17 {
				return
			}
			dialog := c.get(prefs + "/identity?do=devices").Body
			if v == 17 {
				contains(t, dialog, "Log out from all devices?", "You are about to log out from all devices that currently have access to your account.",
					"Type in your password to confirm :", `<button type="submit" class="btn btn-primary">Log out from all devices</button>`)
			} else {
				lacks(t, dialog, "Log out from all devices?")
				contains(t, dialog, "Confirm Password")
			}
		})
	}
}
