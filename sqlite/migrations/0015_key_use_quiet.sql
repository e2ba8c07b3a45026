-- PostgreSQL's 0015 stops key-use recording from notifying the other nodes'
-- read caches. SQLite has no triggers of that kind: nothing to change here.
SELECT 1;
