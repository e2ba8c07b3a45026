// A third-party Odoo client (odoo-await, over XML-RPC) connecting with an
// API key: it creates, searches, reads, updates and deletes a contact, and
// prints one JSON line of what it saw for the Go test to check.
const Odoo = require('odoo-await');

async function main() {
  const [url, db, login] = process.argv.slice(2);
  const key = require('fs').readFileSync(0, 'utf8').trim();
  const odoo = new Odoo({ baseUrl: url, db: db, username: login, password: key });
  const uid = await odoo.connect();
  const id = await odoo.create('res.partner', { name: 'Kool Keith', email: 'lostinspace@example.com' });
  const found = await odoo.searchRead('res.partner', { email: 'lostinspace@example.com' }, ['name', 'email']);
  await odoo.update('res.partner', id, { street: '1 Spaceship Way', phone: '555-0199' });
  const read = await odoo.read('res.partner', id, ['name', 'street', 'phone']);
  const ids = await odoo.search('res.partner', [['name', 'ilike', 'kool']]);
  const fields = await odoo.getFields('res.partner', ['type', 'string']);
  await odoo.delete('res.partner', id);
  const after = await odoo.search('res.partner', { id: id });
  let denied = null;
  try {
    const bad = new Odoo({ baseUrl: url, db: db, username: login, password: 'f'.repeat(40) });
    await bad.connect();
  } catch (e) {
    denied = String(e.message || e);
  }
  console.log(JSON.stringify({ uid, id, found, read, ids, nameField: fields.name, after, denied }));
}

main().catch((e) => { console.error(String(e && e.stack || e)); process.exit(1); });
