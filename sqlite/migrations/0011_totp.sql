-- Two-factor authentication (Odoo's auth_totp). The secret is stored sealed
-- (XChaCha20-Poly1305 under a key derived from the server secret, which is
-- not in the database); last_counter is the time step of the last code
-- accepted, so that a code works once.
CREATE TABLE user_totp (
    user_id      INTEGER PRIMARY KEY REFERENCES res_users(id) ON DELETE CASCADE,
    secret       TEXT NOT NULL,
    last_counter INTEGER NOT NULL DEFAULT 0,
    enabled_at   TEXT NOT NULL
);

-- Turning 2FA on or off changes which credentials the user's RPC calls
-- accept: every node must forget what it cached about the user.
CREATE TRIGGER user_totp_added AFTER INSERT ON user_totp
BEGIN
    INSERT INTO auth_events (kind, user_id) VALUES ('user', NEW.user_id);
END;

CREATE TRIGGER user_totp_removed AFTER DELETE ON user_totp
BEGIN
    INSERT INTO auth_events (kind, user_id) VALUES ('user', OLD.user_id);
END;

-- Trusted devices ("Don't ask again on this device"): the cookie's keyed
-- hash only, as for API keys, under the scope 'browser'.
CREATE TABLE totp_devices (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL REFERENCES res_users(id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    scope           TEXT NOT NULL DEFAULT 'browser',
    key_hash        TEXT NOT NULL UNIQUE,
    create_date     TEXT NOT NULL,
    expiration_date TEXT NOT NULL
);
CREATE INDEX totp_devices_user_idx ON totp_devices(user_id);
