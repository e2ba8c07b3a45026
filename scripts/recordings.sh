#!/usr/bin/env bash
# Keeps testdata/odoo (the recordings of real Odoo the tests replay) identical
# to a conformance set given by path:
#   scripts/recordings.sh check DIR   lists differing files, exit 1 on drift
#   scripts/recordings.sh sync DIR    copies DIR's version folders and READMEs in
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-}; src=${2:-}
if [ -z "$src" ] || [ ! -d "$src" ] || { [ "$mode" != check ] && [ "$mode" != sync ]; }; then
	echo "usage: scripts/recordings.sh check|sync DIR (a folder holding 16.0/ 17.0/ 18.0/ 19.0/)" >&2
	exit 2
fi
dst=testdata/odoo
if [ "$mode" = sync ]; then
	mkdir -p "$dst"
	for d in "$src"/*/; do cp -r "$d" "$dst/"; done
	cp "$src"/*.md "$dst/"
	echo "copied $(find "$src" -type f | wc -l) files into $dst"
	exit 0
fi
if diff -rq "$src" "$dst"; then
	echo "testdata/odoo matches $src"
else
	echo "testdata/odoo has drifted from $src: run scripts/recordings.sh sync $src" >&2
	exit 1
fi
