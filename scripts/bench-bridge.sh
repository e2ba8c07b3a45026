#!/usr/bin/env bash
# The protocol bridge's figures of BENCHMARKS.md: the same calls through two
# gateways in front of the same upstream okapi serve (Odoo 19), one that
# forwards over XML-RPC and one over JSON-2, so that each client protocol is
# measured translated and untranslated, side by side, alternating. Also the
# upstream directly, for reference. DURATION (default 10s) and CONC (16) as
# in scripts/bench.sh; the Go benchmark of the translation itself first.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONC=${CONC:-16}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; sleep 0.5; drop_upstream; rm -rf "$work"' EXIT
echo "# $(date -u +%FT%TZ) on $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(go version)"
echo "## Go benchmarks of the translation"
go test -run '^$' -bench . -benchtime 2s ./bridge/
go build -o "$work/okapi" ./cmd/okapi
okapi="$work/okapi"
. scripts/bench-upstream.sh

start_upstream 18301
# Two gateways in front of it, one per upstream protocol.
start_gateway gw-xmlrpc 18302 18301 --upstream-protocol xmlrpc
start_gateway gw-json2 18303 18301 --upstream-protocol json2

echo "## okapi bench, c=$CONC, $DURATION per call"
run() { # label port keyfile call
	printf '%-40s ' "$1"
	"$okapi" bench "http://127.0.0.1:$2" --db acme --login alice --key-file "$3" --call $4 -c "$CONC" -d "$DURATION" 2>/dev/null
}
for round in 1 2; do
	run "XML-RPC search_read, upstream directly" 18301 "$work/odoo.key" search_read
	run "XML-RPC search_read, gateway over XML-RPC" 18302 "$work/gw-xmlrpc.key" search_read
	run "XML-RPC search_read, gateway over JSON-2" 18303 "$work/gw-json2.key" search_read
	run "JSON-2 search_read, upstream directly" 18301 "$work/odoo.key" json2
	run "JSON-2 search_read, gateway over JSON-2" 18303 "$work/gw-json2.key" json2
	run "JSON-2 search_read, gateway over XML-RPC" 18302 "$work/gw-xmlrpc.key" json2
done
