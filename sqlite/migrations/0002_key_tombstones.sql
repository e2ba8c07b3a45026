-- What became of deleted keys, by their stored hash, so that the holder of a
-- key (and only they: the hash is computed from the key) can learn whether it
-- was revoked or expired. No secret is stored: key_hash is the keyed hash.
CREATE TABLE key_tombstones (
    key_hash   TEXT PRIMARY KEY,
    key_id     INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    name       TEXT NOT NULL,
    reason     TEXT NOT NULL,
    deleted_at TEXT NOT NULL
);
CREATE INDEX key_tombstones_deleted_idx ON key_tombstones(deleted_at);
