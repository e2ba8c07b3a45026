#!/usr/bin/env bash
# The figures of BENCHMARKS.md, measured on this machine: Go benchmarks of
# key checks and of the handler, then `okapi bench` (c=16, 15 s per call)
# against Okapi on SQLite, on PostgreSQL (when OKAPI_TEST_POSTGRES is set)
# and against the ceiling server, with resident memory during the load.
#
#   DURATION=15s CONC=16 scripts/bench.sh > bench.out
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-15s}
CONC=${CONC:-16}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

echo "# $(date -u +%FT%TZ) on $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(go version)"
echo "## Go benchmarks"
go test -run '^$' -bench 'BenchmarkVerify$|BenchmarkCreateKey' -benchtime 2s ./auth/
OKAPI_BENCH_MAX_KEYS=${MAX_KEYS:-1000000} go test -run '^$' -bench 'BenchmarkVerifyScale' -benchtime 2s -timeout 60m ./auth/
go test -run '^$' -bench 'BenchmarkHandler' -benchtime 2s ./server/
go test -run '^$' -bench 'BenchmarkStartup' -benchtime 10x ./cmd/okapi/

go build -o "$work/okapi" ./cmd/okapi
okapi="$work/okapi"

# seed starts a server on a store, makes alice and her key and 20 contacts.
seed() { # data db-url port
	local data=$1 url=$2 port=$3
	OKAPI_ADMIN_PASSWORD=admin "$okapi" serve --data "$data" ${url:+--db "$url"} --addr 127.0.0.1:$port --db-name acme --log-level warn >"$data.log" 2>&1 &
	echo $! >"$data.pid"
	for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
	"$okapi" user create --data "$data" ${url:+--db "$url"} --login alice --password alice-pass >/dev/null
	"$okapi" key create --data "$data" ${url:+--db "$url"} --login alice --name bench >"$data.key"
	python3 - "$port" "$data.key" <<'PY'
import sys, xmlrpc.client
port, keyfile = sys.argv[1:3]
key = open(keyfile).read().strip()
url = "http://127.0.0.1:%s" % port
uid = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common").authenticate("acme", "alice", key, {})
m = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object")
for i in range(20):
    m.execute_kw("acme", uid, key, "res.partner", "create", [{"name": "Contact %02d" % i, "email": "c%d@example.com" % i}])
PY
}

load() { # label port keyfile
	local label=$1 port=$2 key=$3 pid=${4:-}
	for call in authenticate search_read json2; do
		if [ -n "$pid" ]; then
			( peak=0; while kill -0 "$pid" 2>/dev/null; do r=$(awk '/VmRSS/ {print $2}' /proc/$pid/status); [ "$r" -gt "$peak" ] && peak=$r; echo $peak >"$work/rss"; sleep 0.5; done ) &
			watcher=$!
		fi
		printf '%-22s ' "$label"
		"$okapi" bench "http://127.0.0.1:$port" --db acme --login alice --key-file "$key" --call $call -c "$CONC" -d "$DURATION" 2>/dev/null
		if [ -n "$pid" ]; then kill $watcher 2>/dev/null; wait $watcher 2>/dev/null || true; echo "    peak RSS $(cat "$work/rss") kB"; fi
	done
}

echo "## okapi bench, c=$CONC, $DURATION per call"
seed "$work/sqlite" "" 18101
load "okapi sqlite" 18101 "$work/sqlite.key" "$(cat "$work/sqlite.pid")"
kill "$(cat "$work/sqlite.pid")"
if [ -n "${OKAPI_TEST_POSTGRES:-}" ]; then
	db="okapi_bench_$$"
	psql "$OKAPI_TEST_POSTGRES" -qc "CREATE DATABASE $db" >/dev/null
	url="${OKAPI_TEST_POSTGRES%/*}/$db?sslmode=disable"
	seed "$work/pg" "$url" 18102
	load "okapi postgres" 18102 "$work/pg.key" "$(cat "$work/pg.pid")"
	kill "$(cat "$work/pg.pid")"; sleep 1
	psql "$OKAPI_TEST_POSTGRES" -qc "DROP DATABASE $db WITH (FORCE)" >/dev/null
fi
"$okapi" bench-ceiling --addr 127.0.0.1:18103 >/dev/null 2>&1 &
sleep 0.5
load "ceiling" 18103 "$work/sqlite.key" "$!"
