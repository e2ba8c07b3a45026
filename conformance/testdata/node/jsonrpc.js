// A third-party Odoo client over JSON-RPC (@fernandoslim/odoo-jsonrpc):
// with an API key on /jsonrpc it creates, searches, reads, updates and
// deletes a contact; with the password it opens a web session
// (/web/session/authenticate, then /web/dataset/call_kw) and closes it.
// It prints one JSON line of what it saw for the Go test to check.
const OdooJSONRpc = require('@fernandoslim/odoo-jsonrpc').default;

async function main() {
  const [url, db, login, password] = process.argv.slice(2);
  const key = require('fs').readFileSync(0, 'utf8').trim();
  const u = new URL(url);
  const base = { baseUrl: u.protocol + '//' + u.hostname, port: Number(u.port), db: db, username: login };
  const odoo = new OdooJSONRpc({ ...base, apiKey: key });
  const auth = await odoo.connect();
  const id = await odoo.create('res.partner', { name: 'Kool Keith', email: 'lostinspace@example.com' });
  const found = await odoo.searchRead('res.partner', [['email', '=', 'lostinspace@example.com']], ['name', 'email']);
  await odoo.update('res.partner', id, { street: '1 Spaceship Way' });
  const read = await odoo.read('res.partner', [id], ['name', 'street']);
  const ids = await odoo.search('res.partner', [['name', 'ilike', 'kool']]);
  const fields = await odoo.getFields('res.partner');
  await odoo.delete('res.partner', id);
  const after = await odoo.search('res.partner', [['id', '=', id]]);

  const web = new OdooJSONRpc({ ...base, password: password });
  const session = await web.connect();
  const companies = await web.searchRead('res.partner', [['is_company', '=', true]], ['name'], { limit: 5 });
  await web.disconnect();
  // A wrong key: authenticate answers false, which this client keeps as
  // the uid (it does not throw).
  let denied = null;
  try {
    const bad = await new OdooJSONRpc({ ...base, apiKey: 'f'.repeat(40) }).connect();
    denied = bad.uid === false ? 'uid false' : null;
  } catch (e) {
    denied = String(e.message || e);
  }
  console.log(JSON.stringify({ uid: auth.uid, id, found, read, ids, nameType: fields.name && fields.name.type, after,
    sessionUid: session.uid, sessionDb: session.db, companies, denied }));
}

main().catch((e) => { console.error(String(e && e.stack || e)); process.exit(1); });
