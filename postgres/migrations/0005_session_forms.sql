-- The last one-time form a session sent, so that a form sent twice (a
-- reload that resubmits "Generate key") does not act twice, on any node.
ALTER TABLE web_sessions ADD COLUMN last_form TEXT;
