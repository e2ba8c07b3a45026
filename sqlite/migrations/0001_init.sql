-- Okapi schema, SQLite dialect. Table and column names follow Odoo's where a
-- model is exposed over RPC, so that domains and field names map one to one.
-- Timestamps are UTC text 'YYYY-MM-DD HH:MM:SS'. AUTOINCREMENT keeps ids from
-- ever being reused, as Odoo's sequences never reuse them.

CREATE TABLE res_country (
    id   INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE res_company (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    partner_id  INTEGER,
    email       TEXT,
    phone       TEXT,
    create_date TEXT,
    write_date  TEXT
);

CREATE TABLE res_partner_category (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    color       INTEGER,
    parent_id   INTEGER REFERENCES res_partner_category(id) ON DELETE CASCADE,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    create_date TEXT,
    write_date  TEXT,
    create_uid  INTEGER,
    write_uid   INTEGER
);

CREATE TABLE res_partner (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT,
    complete_name TEXT,
    email         TEXT,
    phone         TEXT,
    mobile        TEXT,
    website       TEXT,
    function      TEXT,
    vat           TEXT,
    ref           TEXT,
    comment       TEXT,
    is_company    BOOLEAN NOT NULL DEFAULT FALSE,
    type          TEXT DEFAULT 'contact',
    parent_id     INTEGER REFERENCES res_partner(id) ON DELETE SET NULL,
    company_id    INTEGER REFERENCES res_company(id) ON DELETE SET NULL,
    street        TEXT,
    street2       TEXT,
    city          TEXT,
    zip           TEXT,
    country_id    INTEGER REFERENCES res_country(id) ON DELETE SET NULL,
    lang          TEXT,
    tz            TEXT,
    company_name  TEXT,
    color         INTEGER NOT NULL DEFAULT 0,
    user_id       INTEGER,
    image_1920    TEXT,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    create_date   TEXT,
    write_date    TEXT,
    create_uid    INTEGER,
    write_uid     INTEGER
);
CREATE INDEX res_partner_parent_id_idx ON res_partner(parent_id);
CREATE INDEX res_partner_complete_name_idx ON res_partner(complete_name);
CREATE INDEX res_partner_email_idx ON res_partner(email);

CREATE TABLE res_partner_res_partner_category_rel (
    category_id INTEGER NOT NULL REFERENCES res_partner_category(id) ON DELETE CASCADE,
    partner_id  INTEGER NOT NULL REFERENCES res_partner(id) ON DELETE CASCADE,
    PRIMARY KEY (category_id, partner_id)
);
CREATE INDEX res_partner_category_rel_partner_idx ON res_partner_res_partner_category_rel(partner_id);

CREATE TABLE res_groups (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    name             TEXT NOT NULL,
    category         TEXT,
    comment          TEXT,
    share            BOOLEAN NOT NULL DEFAULT FALSE,
    api_key_duration REAL NOT NULL DEFAULT 0 CHECK (api_key_duration >= 0),
    create_date      TEXT,
    write_date       TEXT
);

CREATE TABLE res_groups_implied_rel (
    gid INTEGER NOT NULL REFERENCES res_groups(id) ON DELETE CASCADE,
    hid INTEGER NOT NULL REFERENCES res_groups(id) ON DELETE CASCADE,
    PRIMARY KEY (gid, hid)
);

CREATE TABLE res_users (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    login       TEXT NOT NULL UNIQUE,
    password    TEXT,
    partner_id  INTEGER NOT NULL REFERENCES res_partner(id),
    company_id  INTEGER REFERENCES res_company(id),
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    create_date TEXT,
    write_date  TEXT,
    create_uid  INTEGER,
    write_uid   INTEGER
);

CREATE TABLE res_groups_users_rel (
    gid INTEGER NOT NULL REFERENCES res_groups(id) ON DELETE CASCADE,
    uid INTEGER NOT NULL REFERENCES res_users(id) ON DELETE CASCADE,
    PRIMARY KEY (gid, uid)
);
CREATE INDEX res_groups_users_rel_uid_idx ON res_groups_users_rel(uid);

-- The secret is never stored: key_hash is HMAC-SHA-256 under a server secret
-- kept outside the database (or an imported Odoo PBKDF2 hash until first use).
CREATE TABLE res_users_apikeys (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL,
    user_id         INTEGER NOT NULL REFERENCES res_users(id) ON DELETE CASCADE,
    scope           TEXT,
    key_index       TEXT NOT NULL CHECK (length(key_index) = 8),
    key_hash        TEXT NOT NULL,
    create_date     TEXT NOT NULL,
    expiration_date TEXT,
    last_used       TEXT,
    last_used_ip    TEXT
);
CREATE INDEX res_users_apikeys_index_idx ON res_users_apikeys(key_index);
CREATE INDEX res_users_apikeys_user_id_idx ON res_users_apikeys(user_id);
CREATE INDEX res_users_apikeys_expiration_idx ON res_users_apikeys(expiration_date);

CREATE TABLE ir_model_data (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    module TEXT NOT NULL,
    name   TEXT NOT NULL,
    model  TEXT NOT NULL,
    res_id INTEGER NOT NULL,
    UNIQUE (module, name)
);

CREATE TABLE ir_config_parameter (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE crm_stage (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    sequence    INTEGER NOT NULL DEFAULT 1,
    is_won      BOOLEAN NOT NULL DEFAULT FALSE,
    create_date TEXT,
    write_date  TEXT
);

CREATE TABLE crm_lead (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    name             TEXT NOT NULL,
    type             TEXT NOT NULL DEFAULT 'lead',
    partner_id       INTEGER REFERENCES res_partner(id) ON DELETE SET NULL,
    contact_name     TEXT,
    partner_name     TEXT,
    email_from       TEXT,
    phone            TEXT,
    description      TEXT,
    user_id          INTEGER REFERENCES res_users(id) ON DELETE SET NULL,
    stage_id         INTEGER REFERENCES crm_stage(id) ON DELETE SET NULL,
    priority         TEXT DEFAULT '0',
    expected_revenue REAL NOT NULL DEFAULT 0,
    probability      REAL NOT NULL DEFAULT 0,
    date_deadline    TEXT,
    active           BOOLEAN NOT NULL DEFAULT TRUE,
    company_id       INTEGER REFERENCES res_company(id) ON DELETE SET NULL,
    create_date      TEXT,
    write_date       TEXT,
    create_uid       INTEGER,
    write_uid        INTEGER
);
CREATE INDEX crm_lead_partner_id_idx ON crm_lead(partner_id);

CREATE TABLE mail_message (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    model        TEXT,
    res_id       INTEGER,
    subject      TEXT,
    body         TEXT,
    message_type TEXT NOT NULL DEFAULT 'comment',
    author_id    INTEGER REFERENCES res_partner(id) ON DELETE SET NULL,
    email_from   TEXT,
    date         TEXT,
    create_date  TEXT,
    write_date   TEXT,
    create_uid   INTEGER,
    write_uid    INTEGER
);
CREATE INDEX mail_message_res_idx ON mail_message(model, res_id);

-- The change feed: triggers below write a row whenever something a credential
-- check depends on changes, whoever changes it; every server polls it.
CREATE TABLE auth_events (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    kind    TEXT NOT NULL,
    user_id INTEGER,
    key_id  INTEGER,
    at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now'))
);

CREATE TRIGGER res_users_apikeys_deleted AFTER DELETE ON res_users_apikeys
BEGIN
    INSERT INTO auth_events (kind, user_id, key_id) VALUES ('key', OLD.user_id, OLD.id);
END;

CREATE TRIGGER res_users_apikeys_changed
AFTER UPDATE OF key_hash, key_index, scope, user_id, expiration_date ON res_users_apikeys
BEGIN
    INSERT INTO auth_events (kind, user_id, key_id) VALUES ('key', OLD.user_id, OLD.id);
END;

CREATE TRIGGER res_users_changed AFTER UPDATE OF active, password, login ON res_users
BEGIN
    INSERT INTO auth_events (kind, user_id) VALUES ('user', OLD.id);
END;

CREATE TRIGGER res_users_deleted AFTER DELETE ON res_users
BEGIN
    INSERT INTO auth_events (kind, user_id) VALUES ('user', OLD.id);
END;

CREATE TRIGGER res_groups_users_added AFTER INSERT ON res_groups_users_rel
BEGIN
    INSERT INTO auth_events (kind, user_id) VALUES ('user', NEW.uid);
END;

CREATE TRIGGER res_groups_users_removed AFTER DELETE ON res_groups_users_rel
BEGIN
    INSERT INTO auth_events (kind, user_id) VALUES ('user', OLD.uid);
END;

CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       TEXT NOT NULL,
    kind     TEXT NOT NULL,
    actor_id INTEGER,
    user_id  INTEGER,
    key_id   INTEGER,
    key_name TEXT,
    login    TEXT,
    ip       TEXT,
    detail   TEXT
);
CREATE INDEX audit_log_at_idx ON audit_log(at);

CREATE TABLE web_sessions (
    id             TEXT PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES res_users(id) ON DELETE CASCADE,
    csrf           TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    last_seen      TEXT NOT NULL,
    identity_check TEXT,
    debug          BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX web_sessions_user_idx ON web_sessions(user_id);

CREATE TABLE login_failures (
    key      TEXT PRIMARY KEY,
    count    INTEGER NOT NULL,
    first_at TEXT NOT NULL,
    last_at  TEXT NOT NULL
);

CREATE TABLE okapi_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
