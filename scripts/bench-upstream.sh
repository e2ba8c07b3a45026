# Sourced by scripts/bench-gateway.sh and scripts/bench-bridge.sh: an
# upstream okapi serve with alice, her Odoo key and 20 contacts, and okapi
# gateways in front of it with alice linked. Needs $okapi and $work; a
# caller's EXIT trap should call drop_upstream.

# drop_upstream drops the upstream's PostgreSQL database, if it made one.
drop_upstream() {
	[ -n "${upstream_pg:-}" ] && psql "$UPSTREAM_DB" -qc "DROP DATABASE IF EXISTS $upstream_pg WITH (FORCE)" >/dev/null 2>&1 || true
}

wait_up() { for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$1/healthz" >/dev/null && return; sleep 0.1; done; echo "no server on $1" >&2; exit 1; }

# start_upstream port: Odoo 19 on port; its pid in $up, alice's key in
# $work/odoo.key. UPSTREAM_DB=postgres://… puts the upstream on PostgreSQL
# (a database of its own, made there and dropped at the end) instead of
# SQLite.
start_upstream() {
	local db=
	if [ -n "${UPSTREAM_DB:-}" ]; then
		upstream_pg="okapi_gwbench_$$"
		psql "$UPSTREAM_DB" -qc "CREATE DATABASE $upstream_pg" >/dev/null
		db="${UPSTREAM_DB%/*}/$upstream_pg?sslmode=disable"
	fi
	OKAPI_ADMIN_PASSWORD=admin "$okapi" serve --data "$work/up" ${db:+--db "$db"} --addr 127.0.0.1:$1 --db-name acme --odoo-version 19 --log-level warn >"$work/up.log" 2>&1 &
	up=$!
	wait_up $1
	"$okapi" user create --data "$work/up" ${db:+--db "$db"} --login alice --password alice-pass >/dev/null
	"$okapi" key create --data "$work/up" ${db:+--db "$db"} --login alice --name gateway >"$work/odoo.key"
	python3 - "$work/odoo.key" $1 <<'PY'
import sys, xmlrpc.client
key = open(sys.argv[1]).read().strip()
url = "http://127.0.0.1:" + sys.argv[2]
uid = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common").authenticate("acme", "alice", key, {})
m = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object")
for i in range(20):
    m.execute_kw("acme", uid, key, "res.partner", "create", [{"name": "Contact %02d" % i, "email": "c%d@example.com" % i}])
PY
}

# start_gateway name port upstream-port [flags…]: a gateway with alice
# linked; its pid in $gw, alice's gateway key in $work/name.key.
start_gateway() {
	local name=$1 port=$2 upport=$3
	shift 3
	OKAPI_ADMIN_PASSWORD=admin "$okapi" gateway --upstream http://127.0.0.1:$upport --upstream-db acme "$@" \
		--data "$work/$name" --addr 127.0.0.1:$port --log-level warn >"$work/$name.log" 2>&1 &
	gw=$!
	wait_up $port
	"$okapi" user create --data "$work/$name" --login alice --password alice-gw-pass >/dev/null
	"$okapi" upstream link --data "$work/$name" --login alice <"$work/odoo.key" >/dev/null
	"$okapi" key create --data "$work/$name" --login alice --name bench >"$work/$name.key"
}
