-- Okapi schema, PostgreSQL dialect. Table and column names follow Odoo's where a
-- model is exposed over RPC, so that domains and field names map one to one.
-- Timestamps are UTC 'timestamp(0) without time zone', as Odoo stores them.

CREATE TABLE res_country (
    id   BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE res_company (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL,
    partner_id  BIGINT,
    email       TEXT,
    phone       TEXT,
    create_date TIMESTAMP(0),
    write_date  TIMESTAMP(0)
);

CREATE TABLE res_partner_category (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL,
    color       BIGINT,
    parent_id   BIGINT REFERENCES res_partner_category(id) ON DELETE CASCADE,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    create_date TIMESTAMP(0),
    write_date  TIMESTAMP(0),
    create_uid  BIGINT,
    write_uid   BIGINT
);

CREATE TABLE res_partner (
    id            BIGSERIAL PRIMARY KEY,
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
    parent_id     BIGINT REFERENCES res_partner(id) ON DELETE SET NULL,
    company_id    BIGINT REFERENCES res_company(id) ON DELETE SET NULL,
    street        TEXT,
    street2       TEXT,
    city          TEXT,
    zip           TEXT,
    country_id    BIGINT REFERENCES res_country(id) ON DELETE SET NULL,
    lang          TEXT,
    tz            TEXT,
    company_name  TEXT,
    color         BIGINT NOT NULL DEFAULT 0,
    user_id       BIGINT,
    image_1920    TEXT,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    create_date   TIMESTAMP(0),
    write_date    TIMESTAMP(0),
    create_uid    BIGINT,
    write_uid     BIGINT
);
CREATE INDEX res_partner_parent_id_idx ON res_partner(parent_id);
CREATE INDEX res_partner_complete_name_idx ON res_partner(complete_name);
CREATE INDEX res_partner_email_idx ON res_partner(email);

CREATE TABLE res_partner_res_partner_category_rel (
    category_id BIGINT NOT NULL REFERENCES res_partner_category(id) ON DELETE CASCADE,
    partner_id  BIGINT NOT NULL REFERENCES res_partner(id) ON DELETE CASCADE,
    PRIMARY KEY (category_id, partner_id)
);
CREATE INDEX res_partner_category_rel_partner_idx ON res_partner_res_partner_category_rel(partner_id);

CREATE TABLE res_groups (
    id               BIGSERIAL PRIMARY KEY,
    name             TEXT NOT NULL,
    category         TEXT,
    comment          TEXT,
    share            BOOLEAN NOT NULL DEFAULT FALSE,
    api_key_duration DOUBLE PRECISION NOT NULL DEFAULT 0 CHECK (api_key_duration >= 0),
    create_date      TIMESTAMP(0),
    write_date       TIMESTAMP(0)
);

CREATE TABLE res_groups_implied_rel (
    gid BIGINT NOT NULL REFERENCES res_groups(id) ON DELETE CASCADE,
    hid BIGINT NOT NULL REFERENCES res_groups(id) ON DELETE CASCADE,
    PRIMARY KEY (gid, hid)
);

CREATE TABLE res_users (
    id          BIGSERIAL PRIMARY KEY,
    login       TEXT NOT NULL UNIQUE,
    password    TEXT,
    partner_id  BIGINT NOT NULL REFERENCES res_partner(id),
    company_id  BIGINT REFERENCES res_company(id),
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    create_date TIMESTAMP(0),
    write_date  TIMESTAMP(0),
    create_uid  BIGINT,
    write_uid   BIGINT
);

CREATE TABLE res_groups_users_rel (
    gid BIGINT NOT NULL REFERENCES res_groups(id) ON DELETE CASCADE,
    uid BIGINT NOT NULL REFERENCES res_users(id) ON DELETE CASCADE,
    PRIMARY KEY (gid, uid)
);
CREATE INDEX res_groups_users_rel_uid_idx ON res_groups_users_rel(uid);

-- The secret is never stored: key_hash is HMAC-SHA-256 under a server secret
-- kept outside the database (or an imported Odoo PBKDF2 hash until first use).
CREATE TABLE res_users_apikeys (
    id              BIGSERIAL PRIMARY KEY,
    name            TEXT NOT NULL,
    user_id         BIGINT NOT NULL REFERENCES res_users(id) ON DELETE CASCADE,
    scope           TEXT,
    key_index       TEXT NOT NULL CHECK (length(key_index) = 8),
    key_hash        TEXT NOT NULL,
    create_date     TIMESTAMP(0) NOT NULL,
    expiration_date TIMESTAMP(0),
    last_used       TIMESTAMP(0),
    last_used_ip    TEXT
);
CREATE INDEX res_users_apikeys_index_idx ON res_users_apikeys(key_index);
CREATE INDEX res_users_apikeys_user_id_idx ON res_users_apikeys(user_id);
CREATE INDEX res_users_apikeys_expiration_idx ON res_users_apikeys(expiration_date);

CREATE TABLE ir_model_data (
    id     BIGSERIAL PRIMARY KEY,
    module TEXT NOT NULL,
    name   TEXT NOT NULL,
    model  TEXT NOT NULL,
    res_id BIGINT NOT NULL,
    UNIQUE (module, name)
);

CREATE TABLE ir_config_parameter (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE crm_stage (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL,
    sequence    BIGINT NOT NULL DEFAULT 1,
    is_won      BOOLEAN NOT NULL DEFAULT FALSE,
    create_date TIMESTAMP(0),
    write_date  TIMESTAMP(0)
);

CREATE TABLE crm_lead (
    id               BIGSERIAL PRIMARY KEY,
    name             TEXT NOT NULL,
    type             TEXT NOT NULL DEFAULT 'lead',
    partner_id       BIGINT REFERENCES res_partner(id) ON DELETE SET NULL,
    contact_name     TEXT,
    partner_name     TEXT,
    email_from       TEXT,
    phone            TEXT,
    description      TEXT,
    user_id          BIGINT REFERENCES res_users(id) ON DELETE SET NULL,
    stage_id         BIGINT REFERENCES crm_stage(id) ON DELETE SET NULL,
    priority         TEXT DEFAULT '0',
    expected_revenue DOUBLE PRECISION NOT NULL DEFAULT 0,
    probability      DOUBLE PRECISION NOT NULL DEFAULT 0,
    date_deadline    DATE,
    active           BOOLEAN NOT NULL DEFAULT TRUE,
    company_id       BIGINT REFERENCES res_company(id) ON DELETE SET NULL,
    create_date      TIMESTAMP(0),
    write_date       TIMESTAMP(0),
    create_uid       BIGINT,
    write_uid        BIGINT
);
CREATE INDEX crm_lead_partner_id_idx ON crm_lead(partner_id);

CREATE TABLE mail_message (
    id           BIGSERIAL PRIMARY KEY,
    model        TEXT,
    res_id       BIGINT,
    subject      TEXT,
    body         TEXT,
    message_type TEXT NOT NULL DEFAULT 'comment',
    author_id    BIGINT REFERENCES res_partner(id) ON DELETE SET NULL,
    email_from   TEXT,
    date         TIMESTAMP(0),
    create_date  TIMESTAMP(0),
    write_date   TIMESTAMP(0),
    create_uid   BIGINT,
    write_uid    BIGINT
);
CREATE INDEX mail_message_res_idx ON mail_message(model, res_id);

-- The change feed: triggers below write a row whenever something a credential
-- check depends on changes, whoever changes it, and NOTIFY every node so that
-- a revocation is honoured everywhere at once; nodes also poll as a fallback.
CREATE TABLE auth_events (
    seq     BIGSERIAL PRIMARY KEY,
    kind    TEXT NOT NULL,
    user_id BIGINT,
    key_id  BIGINT,
    at      TIMESTAMP(0) NOT NULL DEFAULT (now() AT TIME ZONE 'utc')
);

CREATE FUNCTION okapi_auth_event(k TEXT, u BIGINT, key BIGINT) RETURNS VOID AS $$
DECLARE s BIGINT;
BEGIN
    INSERT INTO auth_events (kind, user_id, key_id) VALUES (k, u, key) RETURNING seq INTO s;
    PERFORM pg_notify('okapi_auth', s::text);
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION okapi_apikeys_event() RETURNS TRIGGER AS $$
BEGIN
    PERFORM okapi_auth_event('key', OLD.user_id, OLD.id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER res_users_apikeys_deleted AFTER DELETE ON res_users_apikeys
    FOR EACH ROW EXECUTE FUNCTION okapi_apikeys_event();
CREATE TRIGGER res_users_apikeys_changed
    AFTER UPDATE OF key_hash, key_index, scope, user_id, expiration_date ON res_users_apikeys
    FOR EACH ROW EXECUTE FUNCTION okapi_apikeys_event();

CREATE FUNCTION okapi_users_event() RETURNS TRIGGER AS $$
BEGIN
    PERFORM okapi_auth_event('user', OLD.id, NULL);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER res_users_changed AFTER UPDATE OF active, password, login ON res_users
    FOR EACH ROW EXECUTE FUNCTION okapi_users_event();
CREATE TRIGGER res_users_deleted AFTER DELETE ON res_users
    FOR EACH ROW EXECUTE FUNCTION okapi_users_event();

CREATE FUNCTION okapi_groups_users_event() RETURNS TRIGGER AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM okapi_auth_event('user', OLD.uid, NULL);
    ELSE
        PERFORM okapi_auth_event('user', NEW.uid, NULL);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER res_groups_users_added AFTER INSERT ON res_groups_users_rel
    FOR EACH ROW EXECUTE FUNCTION okapi_groups_users_event();
CREATE TRIGGER res_groups_users_removed AFTER DELETE ON res_groups_users_rel
    FOR EACH ROW EXECUTE FUNCTION okapi_groups_users_event();

CREATE TABLE audit_log (
    id       BIGSERIAL PRIMARY KEY,
    at       TIMESTAMP(0) NOT NULL,
    kind     TEXT NOT NULL,
    actor_id BIGINT,
    user_id  BIGINT,
    key_id   BIGINT,
    key_name TEXT,
    login    TEXT,
    ip       TEXT,
    detail   TEXT
);
CREATE INDEX audit_log_at_idx ON audit_log(at);

CREATE TABLE web_sessions (
    id             TEXT PRIMARY KEY,
    user_id        BIGINT NOT NULL REFERENCES res_users(id) ON DELETE CASCADE,
    csrf           TEXT NOT NULL,
    created_at     TIMESTAMP(0) NOT NULL,
    last_seen      TIMESTAMP(0) NOT NULL,
    identity_check TIMESTAMP(0),
    debug          BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX web_sessions_user_idx ON web_sessions(user_id);

CREATE TABLE login_failures (
    key      TEXT PRIMARY KEY,
    count    BIGINT NOT NULL,
    first_at TIMESTAMP(0) NOT NULL,
    last_at  TIMESTAMP(0) NOT NULL
);

CREATE TABLE okapi_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
