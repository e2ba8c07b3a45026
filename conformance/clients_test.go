package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/internal/nodetest"
	"github.com/okapi-erp/okapi/internal/servertest"
	"github.com/okapi-erp/okapi/server"
	"github.com/okapi-erp/okapi/storetest"
)

// startOkapi runs a server as a user starts it (default flags) and returns
// it with the API key of an internal user alice (password alice-pass).
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

// clientProfiles runs fn for every profile 14–19 on SQLite, and for the
// newest on PostgreSQL too when it is there: a client that works against
// real Odoo of a version must work unchanged against Okapi of that version.
func clientProfiles(t *testing.T, fn func(t *testing.T, s *server.Server, key string, version int)) {
	for v := 14; v <= 19; v++ {
		dialects := []string{"sqlite"}
		if v == 19 {
			dialects = storetest.Dialects(t)
		}
		for _, d := range dialects {
			t.Run(fmt.Sprintf("%d/%s", v, d), func(t *testing.T) {
				t.Parallel()
				s, key := startOkapi(t, d, v)
				fn(t, s, key, v)
			})
		}
	}
}

// TestPythonWalkthrough runs Odoo's external API walkthrough with Python's
// standard library client against Okapi, on every profile.
func TestPythonWalkthrough(t *testing.T) {
	clientProfiles(t, func(t *testing.T, s *server.Server, key string, v int) {
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
		case out.Version["server_serie"] != fmt.Sprintf("%d.0", v):
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

// nodeClients installs the npm clients of testdata/node (once) and returns
// that folder.
func nodeClients(t *testing.T) string {
	t.Helper()
	return nodetest.Install(t)
}

// runNode runs a script of testdata/node with the key on its standard input
// and decodes the JSON line it prints into out.
func runNode(t *testing.T, dir, script, key string, out any, args ...string) {
	t.Helper()
	cmd := exec.Command("node", append([]string{filepath.Join(dir, script)}, args...)...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(key)
	raw, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", script, err, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
}

// crud is what the npm clients' scripts print of their create, search,
// read, update and delete of the contact "Kool Keith", and of a wrong key.
type crud struct {
	UID    int64            `json:"uid"`
	ID     int64            `json:"id"`
	Found  []map[string]any `json:"found"`
	Read   []map[string]any `json:"read"`
	IDs    []int64          `json:"ids"`
	After  []int64          `json:"after"`
	Denied string           `json:"denied"`
}

func (c *crud) check(t *testing.T) {
	t.Helper()
	switch {
	case c.UID != 3 || c.ID == 0:
		t.Errorf("uid %d, created %d", c.UID, c.ID)
	case len(c.Found) != 1 || c.Found[0]["name"] != "Kool Keith":
		t.Errorf("searchRead = %v", c.Found)
	case len(c.Read) != 1 || c.Read[0]["street"] != "1 Spaceship Way":
		t.Errorf("read after update = %v", c.Read)
	case len(c.IDs) != 1 || c.IDs[0] != c.ID:
		t.Errorf("search = %v", c.IDs)
	case len(c.After) != 0:
		t.Errorf("after delete = %v", c.After)
	case c.Denied == "":
		t.Errorf("a wrong key was accepted")
	}
}

// TestOdooAwait drives the npm package odoo-await (a real third-party
// XML-RPC client) with an API key: create, search, read, update, delete.
func TestOdooAwait(t *testing.T) {
	dir := nodeClients(t)
	clientProfiles(t, func(t *testing.T, s *server.Server, key string, v int) {
		var out struct {
			crud
			NameField map[string]any `json:"nameField"`
		}
		runNode(t, dir, "crud.js", key, &out, s.URL(), "acme", "alice")
		out.check(t)
		if len(out.Read) == 1 && out.Read[0]["phone"] != "555-0199" || out.NameField["type"] != "char" {
			t.Errorf("phone %v, getFields name = %v", out.Read, out.NameField)
		}
	})
}

// TestNodeJSONRPC drives the npm package @fernandoslim/odoo-jsonrpc (a real
// third-party JSON-RPC client): with an API key on /jsonrpc, create,
// search, read, update, delete; with the password, a web session and its
// call_kw.
func TestNodeJSONRPC(t *testing.T) {
	dir := nodeClients(t)
	clientProfiles(t, func(t *testing.T, s *server.Server, key string, v int) {
		var out struct {
			crud
			NameType   string           `json:"nameType"`
			SessionUID int64            `json:"sessionUid"`
			SessionDB  string           `json:"sessionDb"`
			Companies  []map[string]any `json:"companies"`
		}
		runNode(t, dir, "jsonrpc.js", key, &out, s.URL(), "acme", "alice", "alice-pass")
		out.check(t)
		switch {
		case out.NameType != "char":
			t.Errorf("fields_get name type = %q", out.NameType)
		case out.SessionUID != 3 || out.SessionDB != "acme":
			t.Errorf("session uid %d db %q", out.SessionUID, out.SessionDB)
		case len(out.Companies) != 1 || out.Companies[0]["name"] != "My Company":
			t.Errorf("call_kw in the session = %v", out.Companies)
		}
	})
}

// odoorpcScript drives the Python package odoorpc (JSON-RPC, a web session
// opened with the password): login, the environment's user, search, read,
// create, write, unlink, and a logout.
const odoorpcScript = `
import sys, json, odoorpc
host, port, db, login, password = sys.argv[1:6]
odoo = odoorpc.ODOO(host, port=int(port))
out = {'version': odoo.version}
odoo.login(db, login, password)
out['uid'] = odoo.env.uid
out['user'] = odoo.env.user.name
Partner = odoo.env['res.partner']
ids = Partner.search([('is_company', '=', True)])
out['companies'] = [p.name for p in Partner.browse(ids)]
pid = Partner.create({'name': 'Made by odoorpc'})
Partner.write([pid], {'street': '2 Python Lane'})
out['read'] = Partner.read([pid], ['name', 'street'])
Partner.unlink([pid])
out['after'] = Partner.search([('id', '=', pid)])
out['count'] = Partner.search_count([])
odoo.logout()
print(json.dumps(out))
`

// pythonWith returns a Python interpreter that can import module: python3,
// else Debian's own (where apt installs python3-odoorpc). Without one the
// test is skipped, unless OKAPI_REQUIRE_CLIENTS=1 (as in scripts/test.sh).
func pythonWith(t *testing.T, module string) string {
	t.Helper()
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(py, "-c", "import "+module).Run() == nil {
			return py
		}
	}
	if os.Getenv("OKAPI_REQUIRE_CLIENTS") == "1" {
		t.Fatalf("Python module %s is required (OKAPI_REQUIRE_CLIENTS=1): apt-get install python3-%s", module, module)
	}
	t.Skipf("Python module %s is not installed (apt-get install python3-%s)", module, module)
	return ""
}

// TestOdooRPC drives the Python package odoorpc, a real third-party
// JSON-RPC client, on every profile.
func TestOdooRPC(t *testing.T) {
	py := pythonWith(t, "odoorpc")
	clientProfiles(t, func(t *testing.T, s *server.Server, _ string, v int) {
		u, _ := url.Parse(s.URL())
		raw, err := exec.Command(py, "-c", odoorpcScript, u.Hostname(), u.Port(), "acme", "alice", "alice-pass").CombinedOutput()
		if err != nil {
			t.Fatalf("odoorpc: %v\n%s", err, raw)
		}
		var out struct {
			Version   string           `json:"version"`
			UID       int64            `json:"uid"`
			User      string           `json:"user"`
			Companies []string         `json:"companies"`
			Read      []map[string]any `json:"read"`
			After     []int64          `json:"after"`
			Count     int              `json:"count"`
		}
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%v: %s", err, raw)
		}
		switch {
		case !strings.HasPrefix(out.Version, fmt.Sprintf("%d.0", v)):
			t.Errorf("version %q", out.Version)
		case out.UID != 3 || out.User != "Alice":
			t.Errorf("uid %d, user %q", out.UID, out.User)
		case len(out.Companies) != 1 || out.Companies[0] != "My Company":
			t.Errorf("companies %v", out.Companies)
		case len(out.Read) != 1 || out.Read[0]["street"] != "2 Python Lane":
			t.Errorf("read %v", out.Read)
		case len(out.After) != 0 || out.Count < 3:
			t.Errorf("after unlink %v, count %d", out.After, out.Count)
		}
	})
}
