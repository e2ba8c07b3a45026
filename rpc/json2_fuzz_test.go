package rpc_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/okapi-erp/okapi/auth"
	"github.com/okapi-erp/okapi/internal/codectest"
	"github.com/okapi-erp/okapi/server"
	"github.com/okapi-erp/okapi/storetest"
)

// errorLog counts what the server logs at error level: internal errors
// and panics, which no request may cause.
type errorLog struct {
	mu   sync.Mutex
	msgs []string
}

func (l *errorLog) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelError }
func (l *errorLog) WithAttrs([]slog.Attr) slog.Handler            { return l }
func (l *errorLog) WithGroup(string) slog.Handler                 { return l }
func (l *errorLog) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	msg := r.Message
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "err" || a.Key == "panic" {
			msg += " " + a.Key + "=" + a.Value.String()
		}
		return true
	})
	l.msgs = append(l.msgs, msg)
	return nil
}

func (l *errorLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := l.msgs
	l.msgs = nil
	return m
}

// FuzzJSON2 sends arbitrary JSON-2 requests (model, method, Authorization
// header, database header, body) through the whole server's handler,
// middleware included, seeded with every JSON-2 request recorded against
// real Odoo 19. No request may panic or cause an internal error; every
// answer has a status Odoo gives and, when it is JSON, is a well-formed
// document; an error is Odoo's {"name", "message", ...} object.
func FuzzJSON2(f *testing.F) {
	ctx := context.Background()
	opt := storetest.Options(f, "sqlite")
	var logged errorLog
	s, err := server.New(ctx, server.Config{DataDir: opt.DataDir, DBName: "acme", Version: 19, AdminPassword: "admin",
		Log: slog.New(&logged)})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(s.Close)
	u, err := s.Auth.CreateUser(ctx, nil, auth.UserRequest{Login: "alice", Name: "Alice"})
	if err != nil {
		f.Fatal(err)
	}
	key, _, err := s.Auth.CreateKey(ctx, nil, auth.KeyRequest{UserID: u.ID, Name: "fuzz"})
	if err != nil {
		f.Fatal(err)
	}
	handler := s.Handler()

	for _, rec := range codectest.LoadRecordings(f, "json2_") {
		parts := strings.SplitN(strings.TrimPrefix(rec.Request.URL[strings.Index(rec.Request.URL, "/json/2"):], "/json/2/"), "/", 2)
		if len(parts) != 2 {
			parts = append(parts, "")
		}
		authz := codectest.ReplaceKeys(rec.Request.Headers["Authorization"], key)
		f.Add(parts[0], parts[1], authz, rec.Request.Headers["X-Odoo-Database"], rec.Request.Body)
	}
	bearer := "bearer " + key
	for _, seed := range [][5]string{
		{"res.partner", "search_read", bearer, "acme", `{"domain": [["name", "ilike", "a"]], "fields": ["name", "parent_id"], "limit": 3, "order": "name desc"}`},
		{"res.partner", "create", bearer, "", `{"vals_list": [{"name": "x", "email": "x@example.com"}], "context": {"lang": "fr_FR"}}`},
		{"res.partner", "write", bearer, "", `{"ids": [1, "2", null], "vals": {"name\u0000": 1}}`},
		{"res.users", "read", "Bearer  " + key + " ", "", `{"ids": [2], "fields": ["password", "login"]}`},
		{"res.partner", "_read", "BEARER " + key, "", `[1, 2, 3]`},
		{"res.partner", "search", "bearer " + strings.ToUpper(key), "", `{"domain": "garbage"}`},
		{"ir.model.data", "search_count", bearer, "other", `{"domain": [], "limit": -1, "offset": 9223372036854775807}`},
		{"res.partner", "name_search", bearer, "", `{"name": "%_\\", "operator": "=like", "limit": 1e300}`},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3], seed[4])
	}

	okStatus := []int{200, 301, 307, 308, 400, 401, 403, 404, 405, 413, 415, 422, 429, 431, 500}
	f.Fuzz(func(t *testing.T, model, method, authz, db, body string) {
		target := &url.URL{Path: "/json/2/" + model + "/" + method}
		req, err := http.NewRequest(http.MethodPost, target.String(), strings.NewReader(body))
		if err != nil {
			return // not a URL a client could send
		}
		req.Header.Set("Content-Type", "application/json")
		// The corpus cannot hold this run's key: it says <KEY>.
		req.Header["Authorization"] = []string{strings.ReplaceAll(authz, "<KEY>", key)}
		if db != "" {
			req.Header["X-Odoo-Database"] = []string{db}
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if msgs := logged.take(); len(msgs) > 0 {
			t.Fatalf("the request made the server log an error: %q", msgs)
		}
		if !slices.Contains(okStatus, rec.Code) {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			return
		}
		var v any
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatalf("status %d with a body that is not JSON (%v): %q", rec.Code, err, rec.Body)
		}
		if rec.Code >= 400 {
			e, ok := v.(map[string]any)
			if !ok || e["name"] == nil || e["message"] == nil || e["name"] == "builtins.RuntimeError" {
				t.Fatalf("status %d with an error that is not Odoo's, or internal: %s", rec.Code, rec.Body)
			}
		}
	})
}
