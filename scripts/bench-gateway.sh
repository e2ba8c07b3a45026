#!/usr/bin/env bash
# The gateway's figures of BENCHMARKS.md: okapi bench against an upstream
# okapi serve directly, then through okapi gateway in front of it, same run,
# same calls, alternating so that both see the same machine load.
# DURATION (default 10s) and CONC (16) as in scripts/bench.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONC=${CONC:-16}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/okapi" ./cmd/okapi
okapi="$work/okapi"
wait_up() { for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$1/healthz" >/dev/null && return; sleep 0.1; done; echo "no server on $1" >&2; exit 1; }

echo "# $(date -u +%FT%TZ) on $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(go version)"
OKAPI_ADMIN_PASSWORD=admin "$okapi" serve --data "$work/up" --addr 127.0.0.1:18201 --db-name acme --odoo-version 19 --log-level warn >"$work/up.log" 2>&1 &
up=$!
wait_up 18201
"$okapi" user create --data "$work/up" --login alice --password alice-pass >/dev/null
"$okapi" key create --data "$work/up" --login alice --name gateway >"$work/odoo.key"
python3 - "$work/odoo.key" <<'PY'
import sys, xmlrpc.client
key = open(sys.argv[1]).read().strip()
url = "http://127.0.0.1:18201"
uid = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common").authenticate("acme", "alice", key, {})
m = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object")
for i in range(20):
    m.execute_kw("acme", uid, key, "res.partner", "create", [{"name": "Contact %02d" % i, "email": "c%d@example.com" % i}])
PY
OKAPI_ADMIN_PASSWORD=admin "$okapi" gateway --upstream http://127.0.0.1:18201 --upstream-db acme --data "$work/gw" --addr 127.0.0.1:18202 --log-level warn >"$work/gw.log" 2>&1 &
gw=$!
wait_up 18202
"$okapi" user create --data "$work/gw" --login alice --password alice-gw-pass >/dev/null
"$okapi" upstream link --data "$work/gw" --login alice <"$work/odoo.key" >/dev/null
"$okapi" key create --data "$work/gw" --login alice --name bench >"$work/gw.key"

peak() { # pid: peak RSS in kB while the bench runs, written to $work/rss
	( p=0; while kill -0 "$1" 2>/dev/null; do r=$(awk '/VmRSS/ {print $2}' /proc/$1/status); [ "$r" -gt "$p" ] && p=$r; echo $p >"$work/rss"; sleep 0.5; done ) >/dev/null 2>&1 &
	watcher=$!
}
echo "## okapi bench, c=$CONC, $DURATION per call"
for call in authenticate search_read json2; do
	for target in direct gateway; do
		if [ $target = direct ]; then port=18201 key="$work/odoo.key" pid=$up; else port=18202 key="$work/gw.key" pid=$gw; fi
		peak $pid
		printf '%-8s ' $target
		"$okapi" bench "http://127.0.0.1:$port" --db acme --login alice --key-file "$key" --call $call -c "$CONC" -d "$DURATION" 2>/dev/null
		kill $watcher; wait $watcher 2>/dev/null || true
		echo "    peak RSS of the $target server $(cat "$work/rss") kB"
	done
done
