-- A key's policy beyond its scope (okapi key create --models, --allow-ip,
-- --rate): the models it may call and the networks it may be used from,
-- comma-separated (NULL: any), and its rate in calls per second with a
-- burst (NULL: unlimited).
ALTER TABLE res_users_apikeys ADD COLUMN policy_models TEXT;
ALTER TABLE res_users_apikeys ADD COLUMN policy_nets TEXT;
ALTER TABLE res_users_apikeys ADD COLUMN policy_rate DOUBLE PRECISION;
ALTER TABLE res_users_apikeys ADD COLUMN policy_burst INTEGER;

-- The gateway's links from an Okapi user to a user of the upstream Odoo:
-- the upstream uid, and the user's Odoo API key sealed with an AEAD under a
-- key derived from the server secret (never in clear). Several Okapi users
-- may share one upstream user.
CREATE TABLE upstream_links (
    user_id      BIGINT PRIMARY KEY REFERENCES res_users(id) ON DELETE CASCADE,
    upstream_uid BIGINT NOT NULL,
    upstream_login TEXT NOT NULL,
    sealed_key   BYTEA NOT NULL,
    create_date  TIMESTAMP(0) NOT NULL
);

-- A link made or removed is a change of the user for the change feed: the
-- gateways' caches of links drop it, on every node.
CREATE FUNCTION okapi_upstream_links_event() RETURNS TRIGGER AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM okapi_auth_event('user', OLD.user_id, NULL);
    ELSE
        PERFORM okapi_auth_event('user', NEW.user_id, NULL);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER upstream_links_changed AFTER INSERT OR DELETE ON upstream_links
    FOR EACH ROW EXECUTE FUNCTION okapi_upstream_links_event();
