-- Every node keeps a short-lived cache of read answers (readcache) and must
-- drop it when any node, process or person writes the database. A
-- statement-level trigger on each table notifies 'okapi_data' (PostgreSQL
-- delivers it when the transaction commits, once per transaction however
-- many statements fired it). okapi_watch_tables() adds the trigger to every
-- table that has none; Okapi calls it after each start's migrations, so a
-- table added later is watched too. Left out: tables no model reads, written
-- on every login or in the background (the change feed itself, audit log,
-- sessions, cooldown counts, spent codes, known addresses, tombstones).
CREATE OR REPLACE FUNCTION okapi_data_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('okapi_data', '');
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION okapi_watch_tables() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    t text;
BEGIN
    FOR t IN
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
          AND c.relname NOT IN ('auth_events', 'audit_log', 'web_sessions', 'login_failures',
                                'spent_codes', 'key_addresses', 'key_tombstones', 'schema_migrations')
          AND NOT EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = c.oid AND g.tgname = 'okapi_data_changed')
    LOOP
        EXECUTE format('CREATE TRIGGER okapi_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION okapi_data_changed()', t);
    END LOOP;
END
$$;

SELECT okapi_watch_tables();
