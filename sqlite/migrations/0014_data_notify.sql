-- PostgreSQL's 0014 makes every table notify the other nodes of writes, for
-- the read cache (readcache). SQLite has one server process: it bumps its
-- own data generation on each write, and other processes (the command line)
-- are seen within the cache's lifetime. Nothing to change here.
SELECT 1;
