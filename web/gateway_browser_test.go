package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	okclient "github.com/okapi-erp/okapi/client"
)

// gatewayScript uses a gateway key as a tool would, with Python's standard
// xmlrpc.client (the key on stdin): authenticate, search_read on
// res.partner, a write, and a read of another model; it prints what each
// answered, faults included.
const gatewayScript = `
import json, sys, xmlrpc.client
url, db, login = sys.argv[1:4]
key = sys.stdin.read().strip()
uid = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/common').authenticate(db, login, key, {})
models = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/object')
out = {'uid': uid}
def call(name, *args, **kw):
    try:
        out[name] = {'ok': models.execute_kw(db, uid, key, *args, **kw)}
    except xmlrpc.client.Fault as f:
        out[name] = {'fault': f.faultCode, 'message': f.faultString}
call('read', 'res.partner', 'search_read', [[['name', '=', 'Upstream Partner Ltd']]], {'fields': ['name']})
call('write', 'res.partner', 'write', [[1], {'name': 'changed through a read-only key'}])
call('other', 'res.users', 'search_read', [[]], {'fields': ['login']})
print(json.dumps(out))
`

type scriptAnswer struct {
	OK      any    `json:"ok"`
	Fault   any    `json:"fault"`
	Message string `json:"message"`
}

// TestBrowserGatewayFlow follows, in 17 and 19, what a person does on the
// gateway's own page with only their Odoo account: log in with the Odoo
// password (the gateway does not know them yet), open the security tab,
// link their Odoo key behind the identity check, and create a read-only
// key limited to res.partner. Python's xmlrpc.client then uses that key
// through the gateway: search_read returns the upstream's partner, a
// write is Fault 4 naming read-only, another model is refused. The key
// list shows the policy and the last use; neither the password nor a key
// is in the gateway's log, audit log or database.
func TestBrowserGatewayFlow(t *testing.T) {
	for _, v := range []int{17, 19} {
		t.Run(fmt.Sprint(v), func(t *testing.T) {
			e := newGatewayEnv(t, v, "sqlite")
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			up, err := okclient.New(okclient.Config{URL: e.up.URL, DB: "prod", Login: "alice", Key: e.aliceKey, Protocol: okclient.XMLRPC})
			if err != nil {
				t.Fatal(err)
			}
			partner, err := up.Create(ctx, "res.partner", map[string]any{"name": "Upstream Partner Ltd"})
			if err != nil {
				t.Fatal(err)
			}

			p := e.s.Profile
			b := newTab(t, e.URL)
			shot := func(step string) { b.screenshot(fmt.Sprintf("%d-gateway-%s", v, step)) }
			b.open("/web/login")
			shot("1-login")
			b.login("alice", upAlicePass)
			b.openKeys(p)
			b.sees("Odoo account", "No Odoo key is linked")
			follow(b, text("a", "Link your Odoo key"))
			b.confirmPassword(p, upAlicePass)
			b.sees("Link your Odoo key", "Odoo API key")
			b.typeIn("#odoo-key", e.aliceKey)
			shot("2-link")
			follow(b, text("button", "Link"))
			b.sees("Your Odoo key is linked (upstream uid 4, login alice).")
			b.seesNot(e.aliceKey)
			shot("3-linked")

			follow(b, text("a", p.UI.NewKeyButton))
			b.sees("New API Key", "Limit what the key may do", "Models", "Allowed addresses", "Rate", "Duration")
			b.typeIn("#key-name", "Power BI")
			click(b, chromedp.CSS("#key-read-only"))
			b.typeIn("#key-models", "res.partner")
			b.typeIn("#key-rate", "oops")
			follow(b, text("button", "Generate key"))
			b.sees("Invalid field: Rate")
			b.typeIn("#key-rate", "20/s")
			shot("4-new-key")
			follow(b, text("button", "Generate key"))
			key := b.readKey()

			cmd := exec.Command("python3", "-c", gatewayScript, e.URL, "prod", "alice")
			cmd.Stdin = strings.NewReader(key)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("python3: %v\n%s", err, out)
			}
			t.Logf("Python through the gateway: %s", out)
			var got struct {
				UID                any
				Read, Write, Other scriptAnswer
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if got.UID != float64(upAliceUID) {
				t.Errorf("authenticate through the gateway: %v, want the upstream uid %d", got.UID, upAliceUID)
			}
			recs, _ := got.Read.OK.([]any)
			if len(recs) != 1 || !strings.Contains(fmt.Sprint(recs[0]), "Upstream Partner Ltd") || !strings.Contains(fmt.Sprint(recs[0]), fmt.Sprint(partner)) {
				t.Errorf("search_read through the gateway: %s", out)
			}
			if got.Write.Fault != float64(4) || !strings.Contains(got.Write.Message, "read-only") {
				t.Errorf("a write with a read-only key: %+v", got.Write)
			}
			if got.Other.Fault != float64(4) || !strings.Contains(got.Other.Message, "res.users") {
				t.Errorf("another model: %+v", got.Other)
			}
			// The upstream's partner was not changed.
			if recs, err := up.Read(ctx, "res.partner", []int64{1}, "name"); err != nil || len(recs) != 1 || recs[0]["name"] == "changed through a read-only key" {
				t.Errorf("the upstream's partner 1: %v, %v", recs, err)
			}

			// The list shows the policy and, once written, the last use.
			follow(b, text("a", "Done!"))
			deadline := time.Now().Add(20 * time.Second)
			for {
				b.open(prefsPath(p) + "?tab=security")
				page := b.seen()
				if strings.Contains(page, "models res.partner; 20/s") && strings.Contains(page, "from 127.0.0.1") {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the key list lacks the policy or the last use:\n%s", page)
				}
				time.Sleep(time.Second)
			}
			b.sees("Power BI")
			b.do("scroll to the keys", chromedp.Evaluate[chromedp.Void](`document.querySelector('.o_api_keys').scrollIntoView()`))
			shot("5-keys")
			e.secretsNowhere(upAlicePass, e.aliceKey, key)
		})
	}
}
