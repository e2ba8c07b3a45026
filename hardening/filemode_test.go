package hardening

import (
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/okapi-erp/okapi/sqlite"
)

// TestDatabaseFileModes runs `okapi serve` on data folders that already
// exist with mode 0755, under a permissive umask (000): a new database,
// and one whose files an older version left 0644. The database and its
// -wal and -shm files (password hashes) end up 0600 either way, while the
// server writes.
func TestDatabaseFileModes(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	check := func(t *testing.T, dir string) {
		t.Helper()
		for _, name := range []string{sqlite.FileName, sqlite.FileName + "-wal", sqlite.FileName + "-shm"} {
			st, err := os.Stat(filepath.Join(dir, name))
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if m := st.Mode().Perm(); m != 0o600 {
				t.Errorf("%s has mode %#o, want 0600", name, m)
			}
		}
	}
	serve := func(t *testing.T, dir string) {
		t.Helper()
		srv := startProcess(t, []string{"OKAPI_ADMIN_PASSWORD=Admin-Pass-1"}, "http", "--data", dir, "--db-name", dbName)
		// A failed login makes the server write (counts, audit log).
		body := []byte(`<?xml version="1.0"?><methodCall><methodName>authenticate</methodName><params><param><value><string>` + dbName +
			`</string></value></param><param><value><string>admin</string></value></param><param><value><string>wrong</string></value></param><param><value><struct></struct></value></param></params></methodCall>`)
		if a := send(t, http.MethodPost, srv.URL+"/xmlrpc/2/common", "text/xml", "", body, nil); a.status != http.StatusOK {
			t.Fatalf("authenticate: %d %s", a.status, a.body)
		}
		check(t, dir)
		srv.Stop()
	}

	t.Run("new database in an existing 0755 folder", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		serve(t, dir)
	})
	t.Run("files left 0644", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		serve(t, dir)
		for _, name := range []string{sqlite.FileName, sqlite.FileName + "-wal", sqlite.FileName + "-shm"} {
			p := filepath.Join(dir, name)
			if _, err := os.Stat(p); err != nil {
				if err := os.WriteFile(p, nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Chmod(p, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		serve(t, dir)
	})
}
