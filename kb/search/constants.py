"""The search engine's limits and sizes, in one place (the schema and field boosts
are in ``schema.py``)."""

# Query limits: longer or larger queries are refused with a message (HTTP 400).
MAX_QUERY_LENGTH = 500
MAX_TERMS = 20
# The thesaurus adds at most this many equivalents to a query (kb/search/thesaurus.py):
# each is one more term to match and rank.
MAX_EXPANSIONS = 12
# A word as typed weighs this many times each equivalent the thesaurus added to it,
# as query expansion usually weighs original terms above added ones.
TYPED_TERM_WEIGHT = 2
# "a*" would match a large part of the index for no useful meaning.
MIN_PREFIX_LENGTH = 2
# A prefix is ranked by BM25 over (at most) this many of the words it starts, the
# most frequent; it matches every word it starts whatever their number.
PREFIX_RANKED_WORDS = 30
# A number, a percentage or an amount matched as written ("27%", "$135") weighs this
# many times its digits alone ("27"), so it ranks above partial matches.
AS_WRITTEN_BOOST = 2.0

# "Closest matches" (any of the words) follow the records with every word when
# these are fewer than a page of results, for a query of several plain words.
CLOSEST_MATCHES_BELOW = 20
# "Did you mean": offered when a query finds fewer results than this...
CORRECTION_BELOW = 5
# ... for its words found in fewer records than this, from the index's words that are in
# more records,
# share their first letters and are at most this many edits away (one for short words).
CORRECTION_RARER_THAN = 3
CORRECTION_MAX_EDITS = 2
CORRECTION_ONE_EDIT_UP_TO = 5

# How many parties and topics each facet lists (the most frequent first).
FACET_LIMIT = 10

# Highlight markers: control characters removed from any text before it is shown,
# so they cannot come from a record; the snippet is escaped, then they become <mark>.
MARK_START = "\x02"
MARK_END = "\x03"
SNIPPET_CHARS = 240
# Snippets read at most this much of a record's text (from the database and into the
# highlighter), around the first place a word of the query may occur: a 1 MB clause
# costs a search page no more than a short one.
SNIPPET_SOURCE_CHARS = 20_000
SNIPPET_WINDOW_CHARS = 2_000

# Documents: a clause's context holds at most this much of its announcement's summary.
CONTEXT_SUMMARY_CHARS = 2_000
# Records are read from the database this many at a time (a few queries a chunk).
READ_CHUNK_SIZE = 2_000

# Index updates: more pending changes than this and the index is rebuilt instead
# (re-reading everything at once is cheaper than re-reading each record's links).
FULL_REBUILD_ABOVE = 20_000
# tantivy's writer memory: an update writes a few documents, a rebuild all of them.
UPDATE_WRITER_HEAP = 32_000_000
REBUILD_WRITER_HEAP = 256_000_000
LOCK_POLL_SECONDS = 0.05

# Similar clauses (similar.py, for lineage suggestions): more-like-this picks at most
# this many of the given text's words, those of highest tf-idf; each is then scored by
# BM25 alone (no extra boost by its tf-idf in the given text).
SIMILAR_MAX_QUERY_TERMS = 25
# The given text is read up to this many characters (a contract-length clause costs
# no more than a long one).
SIMILAR_SOURCE_CHARS = 20_000
# An equivalent the thesaurus adds weighs this much of a word of the text itself.
SIMILAR_EXPANSION_WEIGHT = 0.5
# Added per shared party, far above any text score (25 terms and the thesaurus's
# equivalents: a few hundred at most), so that the order is shared parties first,
# then text; small enough that a float32 score keeps the text score to 1/1000.
SIMILAR_PARTY_BONUS = 10_000.0
