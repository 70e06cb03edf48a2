-- Nothing to change on SQLite, whose foreign key checks and change-feed triggers run in-process:
-- this file keeps both dialects' migration numbering the same (see 0023 for PostgreSQL's).
SELECT 1;
