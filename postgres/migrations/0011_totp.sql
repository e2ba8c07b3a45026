-- Two-factor authentication (Odoo's auth_totp). The secret is stored sealed
-- (XChaCha20-Poly1305 under a key derived from the server secret, which is
-- not in the database); last_counter is the time step of the last code
-- accepted, so that a code works once.
CREATE TABLE user_totp (
    user_id      BIGINT PRIMARY KEY REFERENCES res_users(id) ON DELETE CASCADE,
    secret       TEXT NOT NULL,
    last_counter BIGINT NOT NULL DEFAULT 0,
    enabled_at   TIMESTAMP(0) NOT NULL
);

-- Turning 2FA on or off changes which credentials the user's RPC calls
-- accept: every node must forget what it cached about the user.
CREATE FUNCTION okapi_totp_event() RETURNS TRIGGER AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM okapi_auth_event('user', OLD.user_id, NULL);
    ELSE
        PERFORM okapi_auth_event('user', NEW.user_id, NULL);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER user_totp_added AFTER INSERT ON user_totp
    FOR EACH ROW EXECUTE FUNCTION okapi_totp_event();
CREATE TRIGGER user_totp_removed AFTER DELETE ON user_totp
    FOR EACH ROW EXECUTE FUNCTION okapi_totp_event();

-- Trusted devices ("Don't ask again on this device"): the cookie's keyed
-- hash only, as for API keys, under the scope 'browser'.
CREATE TABLE totp_devices (
    id              BIGSERIAL PRIMARY KEY,
    user_id         BIGINT NOT NULL REFERENCES res_users(id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    scope           TEXT NOT NULL DEFAULT 'browser',
    key_hash        TEXT NOT NULL UNIQUE,
    create_date     TIMESTAMP(0) NOT NULL,
    expiration_date TIMESTAMP(0) NOT NULL
);
CREATE INDEX totp_devices_user_idx ON totp_devices(user_id);
