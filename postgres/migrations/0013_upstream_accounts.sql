-- The upstream account a gateway user logged in to the gateway's pages with
-- (their Odoo login and password, checked against the upstream): the
-- upstream uid and login, recorded so that the Odoo key the user pastes
-- later must be that user's. No password is kept. A user made this way
-- has no local password.
CREATE TABLE upstream_accounts (
    user_id        BIGINT PRIMARY KEY REFERENCES res_users(id) ON DELETE CASCADE,
    upstream_uid   BIGINT NOT NULL,
    upstream_login TEXT NOT NULL,
    create_date    TIMESTAMP(0) NOT NULL
);
