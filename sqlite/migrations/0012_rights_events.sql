-- The change feed covers everything a node caches about a user's rights: the
-- contact and company that record rules read, and the groups implied by
-- other groups, whose change alters the effective groups of every member
-- ('groups' event: the cache forgets every user).
DROP TRIGGER res_users_changed;
CREATE TRIGGER res_users_changed
AFTER UPDATE OF active, password, login, partner_id, company_id ON res_users
BEGIN
    INSERT INTO auth_events (kind, user_id) VALUES ('user', OLD.id);
END;

CREATE TRIGGER res_groups_implied_added AFTER INSERT ON res_groups_implied_rel
BEGIN
    INSERT INTO auth_events (kind) VALUES ('groups');
END;

CREATE TRIGGER res_groups_implied_changed AFTER UPDATE ON res_groups_implied_rel
BEGIN
    INSERT INTO auth_events (kind) VALUES ('groups');
END;

CREATE TRIGGER res_groups_implied_removed AFTER DELETE ON res_groups_implied_rel
BEGIN
    INSERT INTO auth_events (kind) VALUES ('groups');
END;
