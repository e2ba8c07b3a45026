package conformance

import (
	"testing"

	"github.com/okapi-erp/okapi/gateway"
	"github.com/okapi-erp/okapi/internal/servertest"
	"github.com/okapi-erp/okapi/server"
)

// TestReplayThroughGateway replays the recordings of real Odoo through
// okapi gateway --passthrough in front of the Okapi the replay sets up:
// the recorded keys and passwords are the upstream's, unknown to the
// gateway, so each call is forwarded unchanged, and the outcomes must be
// those of the upstream itself.
func TestReplayThroughGateway(t *testing.T) {
	for _, ver := range []string{"18.0", "19.0"} {
		t.Run(ver, func(t *testing.T) {
			r := newReplay(t, ver, "sqlite")
			// The gateway's own administrator has another password than
			// the upstream's admin/admin, which is then the upstream's alone.
			gw := servertest.Start(t, server.Config{DataDir: t.TempDir(), DBName: r.db, AdminPassword: "the gateway's own",
				// As fast as the recordings come (more than 10 calls/s).
				Gateway: &gateway.Config{URL: r.url, DB: r.db, PassThrough: true, PassThroughRate: 1e6}})
			r.via = gw.URL()
			r.run()
		})
	}
}
