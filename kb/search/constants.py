"""Every tunable of the search engine, in one place."""

# Query limits: longer or larger queries are refused with a message (HTTP 400).
MAX_QUERY_LENGTH = 500
MAX_TERMS = 20
# The thesaurus adds at most this many equivalents to a query (kb/search/thesaurus.py):
# each is one more term to match and rank.
MAX_EXPANSIONS = 12
# A word as typed weighs this many times each equivalent the thesaurus added to it
# in the rank (an integer: SQLite repeats the typed word in the FTS5 query), as query
# expansion usually weighs original terms above added ones.
TYPED_TERM_WEIGHT = 2
# "a*" would match a large part of the index for no useful meaning.
MIN_PREFIX_LENGTH = 2

# Column weights: heading above text above context (announcement title and
# summary, party names and aliases, topic names). FTS5 bm25 weights by column, and
# PostgreSQL ts_rank weights for labels {D, C, B, A} (A heading, B text, C context).
SQLITE_BM25_WEIGHTS = (4.0, 1.0, 0.3)
POSTGRES_RANK_WEIGHTS = (0.0, 0.08, 0.25, 1.0)
# PostgreSQL ranks by BM25 computed from the tsvector (kb.search.postgres): FTS5's
# own parameters.
BM25_K1 = 1.2
BM25_B = 0.75
# ... except b: PostgreSQL's document length is its number of distinct words, which
# grows more slowly than FTS5's token count, so the same b would favour long
# clauses more there. 0.9 measured best on ACORD train among 0.75-1.0 (README,
# "Relevance"), and no worse on the CUAD categories.
POSTGRES_BM25_B = 0.9
# PostgreSQL counts each term's matches for its idf up to this many: enough to tell
# rare words from common ones, bounded for a word in most of a large base.
IDF_COUNT_CAP = 10_000
# ... and the average document length over this many documents.
LENGTH_SAMPLE = 1_000

# Ranking every match of a very common word is what makes search slow at scale
# (see the README, "Performance"): a search ranks at most this many candidates,
# the most recently added matches that pass the filters, and a count that reaches
# it reads "N+".
RANKED_CANDIDATES = 1_000
# ... unless the query matches at most this many clauses in all (a bounded count,
# cheap on both indexes): then every match is ranked, the newest no better placed.
# Ranking costs about 3 ms per 1,000 matches on SQLite (README, "Performance"), so
# this bounds the worst case at about 15 ms more than ranking RANKED_CANDIDATES.
RANK_ALL_UP_TO = 5_000
RESULT_COUNT_CAP = RANKED_CANDIDATES
# A selective filter (a topic, a party) that leaves at most this many clauses: the
# newest matches are looked for among those ids (read once, about 2 us each on
# SQLite) instead of checking the filter on every match, newest first, until
# enough pass (a topic and a date range: 160 -> ~50 ms at a million clauses).
NARROW_FILTER_UP_TO = 30_000
# "Closest matches" (most of the words) follow the clauses with every word when
# these are fewer than a page of results, for a query of plain words. They OR the
# words, so even rare questions match much of the base; ranking more candidates
# there keeps the best ones in.
CLOSEST_MATCHES_BELOW = 20
RELAXED_RANKED_CANDIDATES = 5_000

# Highlight markers: control characters stripped from indexed text by the triggers,
# so they cannot come from a record; the snippet is escaped, then they become <mark>.
MARK_START = "\x02"
MARK_END = "\x03"
SNIPPET_TOKENS = 24
SNIPPET_ELLIPSIS = "…"
