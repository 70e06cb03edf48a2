-- Nothing to change on SQLite, which defers its FTS5 index since 0007: this file keeps both
-- dialects' migration numbering the same (see 0015 for PostgreSQL's deferred search vectors).
SELECT 1;
