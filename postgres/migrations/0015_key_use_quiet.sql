-- Recording when and from where a key was last used (each node writes its
-- batch every few seconds under load) changes nothing a read cache keeps:
-- no model reads last_used or last_used_ip. Migration 0014's trigger on
-- res_users_apikeys notified every node of each such batch, and each node
-- dropped every answer it kept. Keys created, deleted or otherwise changed
-- still notify. okapi_watch_tables() finds the statement-level trigger by
-- its name and adds nothing more.
DROP TRIGGER IF EXISTS okapi_data_changed ON res_users_apikeys;
CREATE TRIGGER okapi_data_changed AFTER INSERT OR DELETE OR TRUNCATE ON res_users_apikeys
    FOR EACH STATEMENT EXECUTE FUNCTION okapi_data_changed();
CREATE TRIGGER okapi_data_changed_update AFTER UPDATE ON res_users_apikeys
    FOR EACH ROW
    WHEN ((to_jsonb(OLD) - 'last_used' - 'last_used_ip') IS DISTINCT FROM (to_jsonb(NEW) - 'last_used' - 'last_used_ip'))
    EXECUTE FUNCTION okapi_data_changed();
