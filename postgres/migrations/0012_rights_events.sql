-- The change feed covers everything a node caches about a user's rights: the
-- contact and company that record rules read, and the groups implied by
-- other groups, whose change alters the effective groups of every member
-- ('groups' event: each node forgets every cached user).
DROP TRIGGER res_users_changed ON res_users;
CREATE TRIGGER res_users_changed
    AFTER UPDATE OF active, password, login, partner_id, company_id ON res_users
    FOR EACH ROW EXECUTE FUNCTION okapi_users_event();

CREATE FUNCTION okapi_groups_implied_event() RETURNS TRIGGER AS $$
BEGIN
    PERFORM okapi_auth_event('groups', NULL, NULL);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER res_groups_implied_changed
    AFTER INSERT OR UPDATE OR DELETE ON res_groups_implied_rel
    FOR EACH STATEMENT EXECUTE FUNCTION okapi_groups_implied_event();
