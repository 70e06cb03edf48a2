-- Nothing to defer on PostgreSQL: the search tsvector is a generated column of papers, written
-- with the row. This file keeps both dialects' migration numbering the same (see 0007 for SQLite).
SELECT 1;
