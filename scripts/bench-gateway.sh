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
. scripts/bench-upstream.sh

echo "# $(date -u +%FT%TZ) on $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(go version)"
start_upstream 18201
start_gateway gw 18202 18201

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
