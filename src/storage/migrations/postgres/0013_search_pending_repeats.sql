-- Nothing to change on PostgreSQL, which defers no indexing (see 0007): this file keeps both
-- dialects' migration numbering the same (see 0013 for SQLite's search_pending trigger).
SELECT 1;
