# Sourced by scripts/bench.sh and scripts/bench-gateway.sh: one load run,
# by either generator, written as okapi bench --json writes it.
#
#   GENERATOR=okapi (default): okapi bench, which checks every answer (uid,
#     record count, fields) and fails on a wrong one.
#   GENERATOR=wrk: wrk (Debian's package `wrk`), one thread, as the figures
#     in the performance issues were taken; lighter than okapi bench, so the
#     servers get more of the two cores. It checks only the HTTP status, so
#     each request body is first sent once with curl and its answer checked
#     for an XML-RPC fault or a JSON-2 error.
#
# Needs $okapi and $work. Usage: load URL KEYFILE CALL CONC DURATION OUT,
# CALL one of authenticate, search_read, json2, with "+fresh" for questions
# never asked before (okapi bench --fresh).

load() {
	local url=$1 keyfile=$2 call=$3 conc=$4 dur=$5 out=$6 flags=
	case $call in *+fresh) flags=--fresh ;; esac
	if [ "${GENERATOR:-okapi}" != wrk ]; then
		"$okapi" bench "$url" --db acme --login alice --key-file "$keyfile" --call "${call%+fresh}" $flags -c "$conc" -d "$dur" --json 2>/dev/null >"$out"
		return
	fi
	command -v wrk >/dev/null || { echo "GENERATOR=wrk: install wrk (apt-get install wrk)" >&2; exit 1; }
	local script="$work/wrk-$(echo "$url $keyfile $call" | md5sum | cut -c1-12).lua"
	[ -f "$script" ] || python3 - "$url" "$keyfile" "$call" "$script" <<'PY'
# Builds the request as Python's clients send it (xmlrpc.client.dumps,
# json.dumps), checks one answer, and writes the wrk script.
import json, sys, urllib.request, xmlrpc.client
url, keyfile, call, script = sys.argv[1:]
key = open(keyfile).read().strip()
fresh = call.endswith("+fresh")
call = call.replace("+fresh", "")
uid = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common").authenticate("acme", "alice", key, {})
assert uid, "authenticate refused the key"
if call == "authenticate":
    path, ctype, hdrs = "/xmlrpc/2/common", "text/xml", {}
    parts = [xmlrpc.client.dumps(("acme", "alice", key, {}), "authenticate")]
elif call == "search_read":
    path, ctype, hdrs = "/xmlrpc/2/object", "text/xml", {}
    # fresh: the domain [["id", "!=", -n]] with n counting up, as okapi bench --fresh
    dom = [["id", "!=", -987654321]] if fresh else []
    body = xmlrpc.client.dumps(("acme", uid, key, "res.partner", "search_read", [dom], {"fields": ["name", "email"], "limit": 10}), "execute_kw")
    parts = body.split("987654321") if fresh else [body]
else:
    path, ctype = "/json/2/res.partner/search_read", "application/json"
    hdrs = {"Authorization": "bearer " + key, "X-Odoo-Database": "acme"}
    dom = [["id", "!=", -987654321]] if fresh else []
    body = json.dumps({"domain": dom, "fields": ["name", "email"], "limit": 10})
    parts = body.split("987654321") if fresh else [body]
probe = "1".join(parts)
req = urllib.request.Request(url + path, data=probe.encode(), headers=dict(hdrs, **{"Content-Type": ctype}))
answer = urllib.request.urlopen(req).read()
assert b"<fault>" not in answer and not answer.startswith(b'{"name"'), answer[:300]
lua = ["wrk.method = 'POST'", "wrk.path = %s" % json.dumps(path), "wrk.headers['Content-Type'] = %s" % json.dumps(ctype)]
lua += ["wrk.headers[%s] = %s" % (json.dumps(k), json.dumps(v)) for k, v in hdrs.items()]
if fresh:
    lua += ["local head, tail, n = %s, %s, 0" % (json.dumps(parts[0]), json.dumps(parts[1])),
            "request = function() n = n + 1; return wrk.format(nil, nil, nil, head .. n .. tail) end"]
else:
    lua += ["wrk.body = %s" % json.dumps(parts[0])]
lua += ["done = function(s, lat, req)",
        "  local e = s.errors.connect + s.errors.read + s.errors.write + s.errors.status + s.errors.timeout",
        "  io.write(string.format('JSON {\"rps\": %f, \"requests\": %d, \"errors\": %d, \"p50_ms\": %f, \"p90_ms\": %f, \"p99_ms\": %f, \"max_ms\": %f}\\n',",
        "    s.requests / (s.duration / 1e6), s.requests, e, lat:percentile(50) / 1e3, lat:percentile(90) / 1e3, lat:percentile(99) / 1e3, lat.max / 1e3))",
        "end"]
open(script, "w").write("\n".join(lua) + "\n")
PY
	wrk -t1 -c"$conc" -d"$dur" -s "$script" "$url" | sed -n 's/^JSON //p' >"$out"
}
