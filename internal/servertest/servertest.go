// Package servertest starts real Okapi servers for tests: on a loopback
// port, serving until the test ends, then shut down gracefully.
package servertest

import (
	"context"
	"testing"
	"time"

	"github.com/okapi-erp/okapi/server"
)

// Start builds a server from cfg (Addr defaults to 127.0.0.1:0), listens,
// serves in the background and shuts it down when the test ends; a failure
// to start fails the test.
func Start(t testing.TB, cfg server.Config) *server.Server {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	s, err := server.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	if err := s.Listen(); err != nil {
		s.Close()
		t.Fatalf("Listen: %v", err)
	}
	go s.Serve()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return s
}
