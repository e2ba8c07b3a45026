#!/usr/bin/env bash
# The gateway's figures of BENCHMARKS.md: okapi bench against an upstream
# okapi serve directly, then through okapi gateway in front of it, same run,
# same calls, alternating so that both see the same machine load.
# DURATION (default 10s), CONC (16) and GENERATOR as in scripts/bench.sh;
# CALLS to choose the calls ("+fresh": a question never asked before, which
# the upstream's read cache cannot answer, so the upstream does a database
# read each time); UPSTREAM_DB=postgres://… for an upstream on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONC=${CONC:-16}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; sleep 0.5; drop_upstream; rm -rf "$work"' EXIT
go build -o "$work/okapi" ./cmd/okapi
okapi="$work/okapi"
. scripts/bench-upstream.sh
. scripts/bench-load.sh

echo "# $(date -u +%FT%TZ) on $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(go version)"
start_upstream 18201
start_gateway gw 18202 18201

"$okapi" bench-ceiling --proxy http://127.0.0.1:18201 --addr 127.0.0.1:18203 >/dev/null 2>&1 &
proxy=$!
wait_up 18203

peak() { # pid: peak RSS in kB while the bench runs, written to $work/rss
	( p=0; while kill -0 "$1" 2>/dev/null; do r=$(awk '/VmRSS/ {print $2}' /proc/$1/status); [ "$r" -gt "$p" ] && p=$r; echo $p >"$work/rss"; sleep 0.5; done ) >/dev/null 2>&1 &
	watcher=$!
}
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Three ways to the same upstream, alternating call by call: directly; through
# a bare reverse proxy (okapi bench-ceiling --proxy: bytes forwarded
# unchanged, nothing checked — what any HTTP hop costs on this machine, the
# best a gateway can do); through okapi gateway (key, policy, audit, the
# linked Odoo key, the call decoded and forwarded).
echo "## ${GENERATOR:-okapi} load, c=$CONC, $DURATION per call"
for call in ${CALLS:-authenticate search_read json2 search_read+fresh json2+fresh}; do
	for target in direct proxy gateway; do
		case $target in
		direct) port=18201 key="$work/odoo.key" pid=$up ;;
		proxy) port=18203 key="$work/odoo.key" pid=$proxy ;;
		gateway) port=18202 key="$work/gw.key" pid=$gw ;;
		esac
		peak $pid
		u0=$(ticks $up) f0=$(ticks $pid)
		load "http://127.0.0.1:$port" "$key" $call "$CONC" "$DURATION" "$work/out.json"
		u1=$(ticks $up) f1=$(ticks $pid)
		kill $watcher; wait $watcher 2>/dev/null || true
		python3 - "$target" "$call" "$(cat "$work/rss")" $((u1 - u0)) $((f1 - f0)) "$(getconf CLK_TCK)" "$work/out.json" <<'PY' | tee -a "$work/results"
import json, sys
target, call, rss, up, front, hz, path = sys.argv[1:]
r = json.load(open(path))
n = max(r["requests"], 1)
us = lambda t: int(t) * 1e6 / int(hz) / n
print("\t".join([call, target, "%.0f" % r["rps"], "%.2f" % r["p50_ms"], "%.2f" % r["p99_ms"], str(r["errors"]),
                 "%.1f" % (int(rss) / 1024), "%.0f" % us(up), "-" if target == "direct" else "%.0f" % us(front)]))
PY
	done
done
echo
echo "| call | way | req/s | ÷ direct | p50 ms | p50 added ms | p99 ms | errors | peak RSS MB (front) | upstream CPU µs/req | front CPU µs/req |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
awk -F'\t' '{row[NR] = $0; if ($2 == "direct") { d[$1] = $3; p[$1] = $4 } } END {
	for (i = 1; i <= NR; i++) { split(row[i], f, "\t"); printf "| %s | %s | %s | %.2f | %s | %+.2f | %s | %s | %s | %s | %s |\n", f[1], f[2], f[3], f[3] / d[f[1]], f[4], f[4] - p[f[1]], f[5], f[6], f[7], f[8], f[9] } }' "$work/results"
