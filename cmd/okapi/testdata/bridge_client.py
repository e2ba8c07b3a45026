# An XML-RPC tool written for Odoo's external API documentation, unchanged:
# it runs against the gateway whatever the upstream speaks. It prints one
# JSON object of what it saw for the Go test to check. The key is on stdin.
import json, sys, xmlrpc.client

url, db, login = sys.argv[1:4]
key = sys.stdin.read().strip()
out = {}
common = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common")
out["version"] = common.version()["server_version"]
uid = common.authenticate(db, login, key, {})
out["uid"] = uid
m = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object")

def call(model, method, *args, **kw):
    return m.execute_kw(db, uid, key, model, method, list(args), kw)

def fault(model, method, *args, **kw):
    try:
        call(model, method, *args, **kw)
    except xmlrpc.client.Fault as f:
        return [f.faultCode, f.faultString.splitlines()[-1]]
    return None

png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
pid = call("res.partner", "create", {"name": "Zoë Ørsted 日本", "email": False, "image_1920": png,
                                     "child_ids": [(0, 0, {"name": "Child ü"})]})
out["created"] = pid
out["read"] = call("res.partner", "read", [pid], ["name", "email", "image_1920", "child_ids", "create_uid"])[0]
out["search_read"] = call("res.partner", "search_read", [["id", "=", pid]], ["name"])
out["search_read_kw"] = call("res.partner", "search_read", [["id", "=", pid]], fields=["name"], limit=1)
out["search"] = call("res.partner", "search", [["name", "=", "Zoë Ørsted 日本"]], 0, 5, "id")
out["count"] = call("res.partner", "search_count", [["id", "=", pid]])
out["count_since"] = call("res.partner", "search_count",
                          [["id", "=", pid], ["create_date", ">", xmlrpc.client.DateTime("20000101T00:00:00")]])
out["name_search"] = call("res.partner", "name_search", "Zoë", [], "ilike", 5)
out["fields"] = call("res.partner", "fields_get", ["name"], ["type"])
out["defaults"] = call("res.partner", "default_get", ["active"])
out["write"] = call("res.partner", "write", [pid], {"phone": "+33 1 23"})
lead = call("crm.lead", "create", {"name": "Lead €", "partner_id": pid, "date_deadline": "2026-12-31",
                                   "probability": 12.5, "expected_revenue": 2.0 ** 40})
out["lead"] = call("crm.lead", "read", [lead], ["partner_id", "date_deadline", "probability", "expected_revenue"])[0]
out["message"] = call("res.partner", "message_post", [pid], body="hello ✓")
out["legacy_execute"] = m.execute(db, uid, key, "res.partner", "search_count", [["id", "=", pid]])
out["access_fault"] = fault("res.users", "write", [2], {"name": "Hacked"})
out["missing_fault"] = fault("res.partner", "unlink", [999999])
out["no_model_fault"] = fault("no.such.model", "search", [])
out["unnamed_fault"] = fault("res.partner", "no_such_method", [pid], "x")
out["unlink"] = call("res.partner", "unlink", [pid])
print(json.dumps(out, default=str))
