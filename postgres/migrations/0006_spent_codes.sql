-- The e-mail add-ins' auth codes that have been traded for a key, until
-- they would have expired anyway: a code works once on every node.
CREATE TABLE spent_codes (
    code       TEXT PRIMARY KEY,
    expires_at TIMESTAMP(0) NOT NULL
);
