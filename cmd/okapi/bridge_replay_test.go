package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/okapi-erp/okapi/internal/codectest"
)

// upstreamsOwn are the cases where the exception is the model's own, so an
// Odoo 18 upstream raises its version's: an invalid domain is 18's
// AssertionError (Odoo 19's Domain class raises a TypeError). The bridge
// carries the exception over unchanged, as it should.
var upstreamsOwn = map[string]string{
	"json2_bad_domain": "builtins.AssertionError",
}

// TestBridgeReplayJSON2: every JSON-2 request recorded against real Odoo
// 19.0 (testdata/odoo/19.0/json2_*), replayed through a gateway whose
// upstream is Odoo 18 — which has no JSON-2 — gives the recorded outcome:
// the status, and for errors the exception's name (and the message where
// JSON-2 itself words it); for results, the same shape. The keys are
// gateway keys in the state the recording's were: alice's, expired,
// revoked, an archived user's, a portal user's.
func TestBridgeReplayJSON2(t *testing.T) {
	g := startGateway(t, "18", nil)
	// The recording's users and records, on the upstream and the gateway.
	g.upRun("user", "create", "--login", "portal1", "--password", "portal-pass-1", "--portal")
	portalKey := strings.TrimSpace(g.upRun("key", "create", "--login", "portal1", "--name", "gateway"))
	g.run("user", "create", "--login", "portal1", "--password", "portal-gw-pass", "--portal")
	g.run("user", "create", "--login", "bob", "--password", "bob-gw-pass")
	bobOdooKey := strings.TrimSpace(g.upRun("key", "create", "--login", "bob", "--name", "gateway"))
	for login, k := range map[string]string{"portal1": portalKey, "bob": bobOdooKey} {
		if _, errs, code := runCLI(t, k+"\n", append([]string{"upstream", "link", "--login", login}, g.store...)...); code != 0 {
			t.Fatalf("upstream link %s: %s", login, errs)
		}
	}
	expires := time.Now().Add(4 * time.Second).Truncate(time.Second)
	keys := map[string]string{
		"<KEY_ALICE>":           g.key(t, "--name", "replay"),
		"<KEY_ALICE_EXPIRED>":   g.key(t, "--name", "expires", "--expires", expires.UTC().Format(time.RFC3339)),
		"<KEY_ALICE_TO_REVOKE>": g.key(t, "--name", "to revoke"),
		"<KEY_BOB>":             strings.TrimSpace(g.run("key", "create", "--login", "bob", "--name", "replay")),
		"<KEY_PORTAL>":          strings.TrimSpace(g.run("key", "create", "--login", "portal1", "--name", "replay")),
	}
	g.run("key", "revoke", "--login", "alice", "--name", "to revoke")
	g.run("user", "archive", "--login", "bob")
	// Partner 14 of the recording ("Created By JSON-2").
	j2id := createPartner(t, g, keys["<KEY_ALICE>"], "Created By JSON-2")
	// Past the expiry, with a margin; the revocation and the archiving
	// have reached the gateway by then. (Polling with the refused keys
	// would count as failed logins and start a cooldown.)
	time.Sleep(time.Until(expires.Add(1500 * time.Millisecond)))

	var cases []codectest.Recording
	for _, r := range codectest.LoadRecordings(t, "json2_") {
		if strings.HasPrefix(r.Name, "19.0"+string(filepath.Separator)) {
			cases = append(cases, r)
		}
	}
	if len(cases) < 20 {
		t.Fatalf("%d recorded JSON-2 cases", len(cases))
	}
	// The message is compared where JSON-2 itself words it, not where it
	// is the upstream's (Odoo 18's wording of the same refusal may differ
	// from 19's).
	ownMessage := regexp.MustCompile(`^json2_(no_auth_header|bearer_empty|basic_auth|wrong_key|expired_key|revoked_key|archived_user_key|malformed_json|missing_required_arg|nonexistent_model|get_method|private_method|positional_args_key|unknown_kwarg|create_missing_required)$`)
	for _, c := range cases {
		name := strings.TrimSuffix(filepath.Base(c.Name), ".json")
		body := strings.ReplaceAll(c.Request.Body, `[14]`, fmt.Sprintf("[%d]", j2id))
		body = strings.ReplaceAll(body, `"=", 14]`, fmt.Sprintf(`"=", %d]`, j2id))
		path := strings.TrimPrefix(c.Request.URL, "http://127.0.0.1:8069")
		req, _ := http.NewRequest(c.Request.Method, g.gw.URL+path, strings.NewReader(body))
		for k, v := range c.Request.Headers {
			for ph, key := range keys {
				v = strings.ReplaceAll(v, ph, key)
			}
			if k == "X-Odoo-Database" {
				v = "prod"
			}
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.Response.Status {
			t.Errorf("%s: status %d, recorded %d\n%s", name, resp.StatusCode, c.Response.Status, got)
			continue
		}
		var want, have any
		if json.Unmarshal([]byte(c.Response.Body), &want) != nil {
			// An HTML page (415): the same page.
			if !bytes.Equal(got, []byte(c.Response.Body)) {
				t.Errorf("%s: %s, recorded %s", name, got, c.Response.Body)
			}
			continue
		}
		if err := json.Unmarshal(got, &have); err != nil {
			t.Errorf("%s: not JSON: %s", name, got)
			continue
		}
		if c.Response.Status != http.StatusOK {
			w, h := want.(map[string]any), have.(map[string]any)
			if ex, ok := upstreamsOwn[name]; ok {
				// The upstream's own exception, carried over unchanged.
				w = map[string]any{"name": ex, "message": h["message"]}
			}
			if h["name"] != w["name"] || ownMessage.MatchString(name) && h["message"] != w["message"] {
				t.Errorf("%s: %v: %v; recorded %v: %v", name, h["name"], h["message"], w["name"], w["message"])
			}
			for _, k := range []string{"arguments", "context", "debug"} {
				if _, ok := h[k]; !ok {
					t.Errorf("%s: the error body has no %q: %s", name, k, got)
				}
			}
			if strings.Contains(string(got), "Traceback") {
				t.Errorf("%s: a traceback: %s", name, got)
			}
			continue
		}
		if d := sameShape(want, have); d != "" {
			t.Errorf("%s: %s\n got %s\nwant %s", name, d, clipText(got), clipText([]byte(c.Response.Body)))
		}
	}
}

// sameShape compares two answers' shapes: the same JSON types, the same
// keys in records of named fields (every record's first), not the values,
// which are the two databases'.
func sameShape(want, got any) string {
	switch w := want.(type) {
	case []any:
		g, ok := got.([]any)
		if !ok {
			return fmt.Sprintf("%T, want a list", got)
		}
		if len(w) > 0 && len(g) > 0 {
			return sameShape(w[0], g[0])
		}
		if len(w) > 0 != (len(g) > 0) {
			return fmt.Sprintf("%d items, recorded %d", len(g), len(w))
		}
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%T, want an object", got)
		}
		if len(w) <= 8 {
			for k := range w {
				if _, ok := g[k]; !ok {
					return fmt.Sprintf("no %q", k)
				}
			}
		}
	default:
		if fmt.Sprintf("%T", want) != fmt.Sprintf("%T", got) {
			return fmt.Sprintf("%T, recorded %T", got, want)
		}
	}
	return ""
}

func clipText(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// createPartner makes a contact through the gateway over JSON-2.
func createPartner(t *testing.T, g *gw, key, name string) int64 {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, g.gw.URL+"/json/2/res.partner/create", strings.NewReader(fmt.Sprintf(`{"vals_list": [{"name": %q}]}`, name)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ids []int64
	if err := json.NewDecoder(resp.Body).Decode(&ids); err != nil || len(ids) != 1 {
		t.Fatalf("create over JSON-2: %d %v %v", resp.StatusCode, ids, err)
	}
	return ids[0]
}
