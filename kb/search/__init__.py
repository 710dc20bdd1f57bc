"""Full-text search over published announcements and clauses, on tantivy.

The only package that knows the engine. The database is the source of truth; the
index is derived from it and can always be rebuilt.

- ``query``: the query syntax, parsed into terms (no engine needed).
- ``schema``: the index's fields, analyzers and field boosts.
- ``documents``: what the index holds for each published record, read from the
  database.
- ``models`` and ``changes``: the change log the database's triggers write, and
  how an index reads what it has not applied.
- ``index``: one index on disk; updates, rebuilds and checks under a writer lock.
- ``compiler``: a parsed query and filters as tantivy queries.
- ``engine``: ``search(SearchRequest)`` gives ranked keys, the exact count, facets,
  snippets and a spelling suggestion.
- ``results``: the results as records read from the database (``SearchHits``).

Callers import from the modules themselves: ``kb.models`` registers this package's
models, so importing the engine here would import the records' module while it is
being defined.
"""
