"""One search over the tracker's records (``/search/`` and every list's ``q``).

Each searchable record has one ``SearchDocument`` row: its name-like text (weight A), the
names around it (B) and its long text (C). PostgreSQL matches it with a weighted
``SearchVector`` under a GIN index; SQLite with an FTS5 table kept in step by triggers. Small
misspellings are forgiven the same way on both: each query word is also matched as the
indexed name words it is close to by trigram similarity (pg_trgm on PostgreSQL).

- ``models``: the two tables (documents, name words);
- ``documents``: what each kind of record puts in its document;
- ``index``: keeping the documents in step with the records;
- ``engine``: reading a query, matching and ranking;
- ``highlight``: the matching words marked in what a result shows.
"""
