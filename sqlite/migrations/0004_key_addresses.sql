-- The addresses each key has been used from, so that the first use from a new
-- address is noticed and recorded in the audit log.
CREATE TABLE key_addresses (
    key_id     INTEGER NOT NULL REFERENCES res_users_apikeys(id) ON DELETE CASCADE,
    ip         TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    PRIMARY KEY (key_id, ip)
);
