package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/internal/nodetest"
	"github.com/okapi-erp/okapi/internal/servertest"
	"github.com/okapi-erp/okapi/server"
	"github.com/okapi-erp/okapi/storetest"
)

// startOkapi runs a server for a client test and returns it with a user's
// API key.
func startOkapi(t *testing.T, dialect string, version int) (*server.Server, string) {
	t.Helper()
	opt := storetest.Options(t, dialect)
	s := servertest.Start(t, server.Config{DataDir: opt.DataDir, DBURL: opt.URL,
		DBName: "acme", Version: version, AdminPassword: "admin"})
	ctx := context.Background()
	u, err := s.Auth.CreateUser(ctx, nil, auth.UserRequest{Login: "alice", Password: "alice-pass", Name: "Alice"})
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := s.Auth.CreateKey(ctx, nil, auth.KeyRequest{UserID: u.ID, Name: "client test"})
	if err != nil {
		t.Fatal(err)
	}
	return s, key
}

// walkthrough is Odoo's external API documentation, step by step, through
// Python's standard xmlrpc.client with an API key in place of the password.
const walkthrough = `
import sys, json, xmlrpc.client
url, db, username = sys.argv[1:4]
password = sys.stdin.read().strip()
out = {}
common = xmlrpc.client.ServerProxy('{}/xmlrpc/2/common'.format(url))
out['version'] = common.version()
uid = common.authenticate(db, username, password, {})
out['uid'] = uid
models = xmlrpc.client.ServerProxy('{}/xmlrpc/2/object'.format(url))
out['can_read'] = models.execute_kw(db, uid, password, 'res.partner', 'check_access_rights', ['read'], {'raise_exception': False})
ids = models.execute_kw(db, uid, password, 'res.partner', 'search', [[['is_company', '=', True]]])
out['companies'] = len(ids)
out['page'] = models.execute_kw(db, uid, password, 'res.partner', 'search', [[['is_company', '=', True]]], {'offset': 0, 'limit': 1})
out['count'] = models.execute_kw(db, uid, password, 'res.partner', 'search_count', [[['is_company', '=', True]]])
[record] = models.execute_kw(db, uid, password, 'res.partner', 'read', [ids[:1]])
out['read_all_fields'] = len(record) > 20 and record['id'] == ids[0]
out['read_some'] = models.execute_kw(db, uid, password, 'res.partner', 'read', [ids[:1]], {'fields': ['name', 'country_id', 'comment']})
fields = models.execute_kw(db, uid, password, 'res.partner', 'fields_get', [], {'attributes': ['string', 'help', 'type']})
out['fields_get_name'] = fields['name']
out['search_read'] = models.execute_kw(db, uid, password, 'res.partner', 'search_read', [[['is_company', '=', True]]], {'fields': ['name', 'country_id', 'comment'], 'limit': 5})
id = models.execute_kw(db, uid, password, 'res.partner', 'create', [{'name': "New Partner"}])
out['created'] = id
models.execute_kw(db, uid, password, 'res.partner', 'write', [[id], {'name': "Newer partner"}])
out['display_name'] = models.execute_kw(db, uid, password, 'res.partner', 'read', [[id], ['display_name']])
models.execute_kw(db, uid, password, 'res.partner', 'unlink', [[id]])
out['after_unlink'] = models.execute_kw(db, uid, password, 'res.partner', 'search', [[['id', '=', id]]])
try:
    models.execute_kw(db, uid, password, 'res.partner', 'search', [[['nope', '=', 1]]])
except xmlrpc.client.Fault as f:
    out['fault'] = [f.faultCode, f.faultString]
print(json.dumps(out))
`

// TestPythonWalkthrough runs Odoo's external API walkthrough with Python's
// standard library client against Okapi, on both databases.
func TestPythonWalkthrough(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			s, key := startOkapi(t, d, 17)
			cmd := exec.Command("python3", "-c", walkthrough, s.URL(), "acme", "alice")
			cmd.Stdin = strings.NewReader(key)
			raw, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("python: %v\n%s", err, raw)
			}
			var out struct {
				Version     map[string]any   `json:"version"`
				UID         int64            `json:"uid"`
				CanRead     bool             `json:"can_read"`
				Companies   int              `json:"companies"`
				Page        []int64          `json:"page"`
				Count       int              `json:"count"`
				ReadAll     bool             `json:"read_all_fields"`
				ReadSome    []map[string]any `json:"read_some"`
				FieldsName  map[string]any   `json:"fields_get_name"`
				SearchRead  []map[string]any `json:"search_read"`
				Created     int64            `json:"created"`
				DisplayName []map[string]any `json:"display_name"`
				AfterUnlink []int64          `json:"after_unlink"`
				Fault       []any            `json:"fault"`
			}
			if err := json.Unmarshal(raw, &out); err != nil {
				t.Fatalf("%v: %s", err, raw)
			}
			switch {
			case out.Version["server_serie"] != "17.0":
				t.Errorf("version = %v", out.Version)
			case out.UID != 3 || !out.CanRead:
				t.Errorf("uid %d, can read %v", out.UID, out.CanRead)
			case out.Companies != 1 || out.Count != 1 || len(out.Page) != 1:
				t.Errorf("companies %d, count %d, page %v", out.Companies, out.Count, out.Page)
			case !out.ReadAll:
				t.Errorf("read without fields did not return every field")
			case len(out.ReadSome) != 1 || out.ReadSome[0]["name"] != "My Company" || len(out.ReadSome[0]) != 4:
				t.Errorf("read some = %v", out.ReadSome)
			case out.FieldsName["type"] != "char" || out.FieldsName["string"] != "Name" || len(out.FieldsName) != 2:
				t.Errorf("fields_get name = %v", out.FieldsName)
			case len(out.SearchRead) != 1:
				t.Errorf("search_read = %v", out.SearchRead)
			case out.Created == 0 || len(out.DisplayName) != 1 || out.DisplayName[0]["display_name"] != "Newer partner":
				t.Errorf("created %d, display name %v", out.Created, out.DisplayName)
			case len(out.AfterUnlink) != 0:
				t.Errorf("after unlink: %v", out.AfterUnlink)
			case len(out.Fault) != 2 || out.Fault[0] != float64(1) || !strings.Contains(fmt.Sprint(out.Fault[1]), "Invalid field res.partner.nope"):
				t.Errorf("fault = %v", out.Fault)
			}
		})
	}
}

// TestOdooAwait drives the npm package odoo-await (a real third-party
// XML-RPC client) with an API key: create, search, read, update, delete.
func TestOdooAwait(t *testing.T) {
	nodetest.Install(t)
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			s, key := startOkapi(t, d, 16)
			var out struct {
				UID       int64            `json:"uid"`
				ID        int64            `json:"id"`
				Found     []map[string]any `json:"found"`
				Read      []map[string]any `json:"read"`
				IDs       []int64          `json:"ids"`
				NameField map[string]any   `json:"nameField"`
				After     []int64          `json:"after"`
				Denied    string           `json:"denied"`
			}
			nodetest.CRUD(t, s.URL(), "acme", "alice", key, &out)
			switch {
			case out.UID != 3 || out.ID == 0:
				t.Errorf("uid %d, created %d", out.UID, out.ID)
			case len(out.Found) != 1 || out.Found[0]["name"] != "Kool Keith":
				t.Errorf("searchRead = %v", out.Found)
			case len(out.Read) != 1 || out.Read[0]["street"] != "1 Spaceship Way" || out.Read[0]["phone"] != "555-0199":
				t.Errorf("read after update = %v", out.Read)
			case len(out.IDs) != 1 || out.IDs[0] != out.ID:
				t.Errorf("search = %v", out.IDs)
			case out.NameField["type"] != "char":
				t.Errorf("getFields name = %v", out.NameField)
			case len(out.After) != 0:
				t.Errorf("after delete = %v", out.After)
			case out.Denied == "":
				t.Errorf("a wrong key was accepted")
			}
		})
	}
}
