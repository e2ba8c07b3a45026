package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/okapi-erp/okapi"
)

// addinPage is the add-in's callback page, served from another origin as
// Microsoft's and Google's sites serve the real add-ins. Like them, it
// trades the auth code for a key with fetch, then calls a business route
// with the key in the Authorization header, which makes the browser ask
// for a CORS preflight first. It writes what it got into the page.
const addinPage = `<!doctype html><title>Add-in</title><pre id="out"></pre><script>
const server = %q, prefix = %q;
const params = new URLSearchParams(location.search);
async function call(path, p, authorization) {
  const headers = {'Content-Type': 'application/json'};
  if (authorization) headers['Authorization'] = authorization;
  const r = await fetch(server + prefix + path, {method: 'POST', headers, body: JSON.stringify({jsonrpc: '2.0', method: 'call', id: 1, params: p})});
  return {status: r.status, body: await r.json()};
}
(async () => {
  const out = {success: params.get('success'), state: params.get('state'), hasCode: !!params.get('auth_code')};
  try {
    if (out.hasCode) {
      const token = await call('/auth/access_token', {auth_code: params.get('auth_code')});
      const key = token.body.result && token.body.result.access_token;
      out.keyLength = key ? key.length : 0;
      const again = await call('/auth/access_token', {auth_code: params.get('auth_code')});
      out.again = again.body.result;
      const outlook = await call('/partner/get', {email: 'mia@example.com', name: 'Mia'}, key);
      out.outlookStatus = outlook.status;
      out.partner = outlook.body.result && outlook.body.result.partner.name;
      // partner/get again, with the key as a bearer token (Gmail's way):
      // a route every version has (14 has no partner/search).
      const gmail = await call('/partner/get', {email: 'mia@example.com', name: 'Mia'}, 'Bearer ' + key);
      out.gmailStatus = gmail.status;
      out.found = gmail.body.result && gmail.body.result.partner.id > 0 ? 1 : 0;
      const refused = await call('/partner/get', {email: 'mia@example.com'}, 'Bearer ' + 'f'.repeat(40));
      out.refusedStatus = refused.status;
    }
  } catch (e) {
    out.error = String(e);
  }
  document.getElementById('out').textContent = JSON.stringify(out);
  document.body.dataset.done = '1';
})();
</script>`

// TestBrowserMailPlugin connects an e-mail add-in as a person does: the
// add-in opens the login page, which leads to the consent page; Allow sends
// the browser, through the page's form-action policy, to the add-in's
// callback on another origin, whose script trades the code and calls the
// add-in routes across origins (CORS, with preflight). The new key then
// shows in the person's key list. Deny sends the browser back without a
// code.
func TestBrowserMailPlugin(t *testing.T) {
	for _, v := range []int{14, 17, 19} {
		t.Run(fmt.Sprint(v), func(t *testing.T) {
			t.Parallel()
			p := okapi.MustProfile(v)
			e := newEnv(t, v)
			prefix := p.MailPluginPrefixes()[0] // /mail_client_extension in 14
			addin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				fmt.Fprintf(w, addinPage, e.URL, prefix)
			}))
			t.Cleanup(addin.Close)
			if strings.TrimPrefix(addin.URL, "http://") == strings.TrimPrefix(e.URL, "http://") {
				t.Fatal("the add-in must have an origin of its own")
			}

			b := newTab(t, e.URL)
			consent := func(state string) {
				q := url.Values{"scope": {"outlook"}, "friendlyname": {"Outlook"}, "redirect": {addin.URL + "/login_success.html"},
					"state": {state}}
				b.open("/web/login?redirect=" + url.QueryEscape(prefix+"/auth?"+q.Encode()))
			}
			consent("first")
			b.typeIn("#login", userLogin)
			b.typeIn("#password", userPassword)
			follow(b, text("button", "Log in"))
			host := strings.TrimPrefix(addin.URL, "http://")
			b.sees("Connect Outlook?", userName, host)
			if p.KeysExpire {
				b.sees("valid for 7 days")
			}
			b.screenshot(fmt.Sprintf("%d-8-mail-plugin-consent", v))

			click(b, text("button", "Allow"))
			got := b.addinResult(addin.URL)
			want := map[string]any{"success": "1", "state": "first", "hasCode": true, "keyLength": float64(okapi.KeyLen),
				"again": map[string]any{"error": "Invalid code"}, "outlookStatus": float64(http.StatusOK), "partner": userName,
				"gmailStatus": float64(http.StatusOK), "found": float64(1), "refusedStatus": float64(http.StatusBadRequest)}
			for k, w := range want {
				if fmt.Sprint(got[k]) != fmt.Sprint(w) {
					t.Errorf("the add-in saw %s = %v, want %v (all: %v)", k, got[k], w, got)
				}
			}

			// The key the add-in received is in the person's list.
			b.open("/")
			b.openKeys(p)
			b.sees("Outlook")

			// Deny: back to the add-in, without a code.
			consent("second")
			b.sees("Connect Outlook?")
			click(b, text("button", "Deny"))
			got = b.addinResult(addin.URL)
			if got["success"] != "0" || got["state"] != "second" || got["hasCode"] != false {
				t.Errorf("after Deny the add-in saw %v", got)
			}
		})
	}
}

// addinResult waits for the add-in's callback page to finish its calls and
// returns what it wrote.
func (b *tab) addinResult(origin string) map[string]any {
	b.t.Helper()
	b.until("the add-in's callback page", fmt.Sprintf(`location.origin === %q && document.body.dataset.done === '1'`, origin))
	var got map[string]any
	if err := json.Unmarshal([]byte(b.text("#out")), &got); err != nil {
		b.t.Fatalf("the add-in page wrote %q: %v", b.text("#out"), err)
	}
	if got["error"] != nil {
		b.t.Fatalf("the add-in's calls failed: %v", got["error"])
	}
	return got
}
