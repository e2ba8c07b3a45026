// Package nodetest runs the npm Odoo clients the tests drive (odoo-await,
// a real third-party XML-RPC client, and @fernandoslim/odoo-jsonrpc),
// installing them once per test process from conformance/testdata/node's
// lockfile.
package nodetest

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

var (
	once   sync.Once
	npmErr error
)

// Dir is where the npm scripts and their node_modules live.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "conformance", "testdata", "node")
}

// Packages are the npm clients of Dir's package.json.
var Packages = []string{"odoo-await", "@fernandoslim/odoo-jsonrpc"}

// Install runs npm ci once (unless every one of Packages is there) and
// returns Dir.
func Install(t testing.TB) string {
	t.Helper()
	dir := Dir()
	once.Do(func() {
		installed := true
		for _, pkg := range Packages {
			if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
				installed = false
			}
		}
		if installed {
			return
		}
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			npmErr = fmt.Errorf("npm ci: %v\n%s", err, out)
		}
	})
	if npmErr != nil {
		t.Fatal(npmErr)
	}
	return dir
}

// CRUD runs crud.js (odoo-await: connect, create, searchRead, update,
// read, search, getFields, delete, and a wrong key) against url with the
// key on stdin, and returns the JSON line it prints into out.
func CRUD(t testing.TB, url, db, login, key string, out any) {
	t.Helper()
	dir := Install(t)
	cmd := exec.Command("node", filepath.Join(dir, "crud.js"), url, db, login)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(key)
	raw, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("node printed %s: %v", raw, err)
	}
}
