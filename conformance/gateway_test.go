package conformance

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/okapi-erp/okapi/gateway"
	"github.com/okapi-erp/okapi/internal/servertest"
	"github.com/okapi-erp/okapi/server"
)

// bridgeDeviations: what a gateway adds in front of Odoo 18, which has no
// JSON-2: the protocol bridge serves it (docs/bridge.md).
var bridgeDeviations = map[string]deviation{
	"json_version_get": {
		why:   "the gateway serves JSON-2 in front of every Odoo, and JSON-2 clients read /json/version; Odoo 18 redirects to its login page",
		check: jsonStatus(200, "version", "18.0-20250702"),
	},
	"json2_search_read_alice_key_not_available": {
		why:   "Odoo 18 has no JSON-2 and redirects to its login page; the gateway serves JSON-2, and refuses to pass a bearer key through to an Odoo that has no bearer keys",
		check: jsonStatus(401, "name", "werkzeug.exceptions.Unauthorized"),
	},
}

// jsonStatus checks an answer's status and one member of its JSON object.
func jsonStatus(status int, key, want string) func(int, []byte) error {
	return func(got int, body []byte) error {
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil || got != status || m[key] != want {
			return fmt.Errorf("got %d %s, want %d with %s %q", got, body, status, key, want)
		}
		return nil
	}
}

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
			if ver == "18.0" {
				r.deviations = bridgeDeviations
			}
			r.run()
		})
	}
}
