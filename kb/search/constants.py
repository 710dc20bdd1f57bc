"""Every tunable of the search engine, in one place."""

# Query limits: longer or larger queries are refused with a message (HTTP 400).
MAX_QUERY_LENGTH = 500
MAX_TERMS = 20
# "a*" would match a large part of the index for no useful meaning.
MIN_PREFIX_LENGTH = 2

# Column weights: heading above text above context (announcement title and
# summary, party names and aliases, topic names). FTS5 bm25 weights by column, and
# PostgreSQL ts_rank weights for labels {D, C, B, A} (A heading, B text, C context).
SQLITE_BM25_WEIGHTS = (4.0, 1.0, 0.3)
POSTGRES_RANK_WEIGHTS = (0.0, 0.08, 0.25, 1.0)
# ts_rank normalization 1: divide by 1 + log(document length), like bm25 does.
POSTGRES_RANK_NORMALIZATION = 1
# PostgreSQL ranks each term as idf * r / (r + SATURATION), r its ts_rank alone:
# like BM25's k1, repeats of a word add less and less. Chosen on ACORD train
# (0.01-0.3 tried; ts_rank_cd instead of ts_rank scored 0.02 NDCG@10 lower).
POSTGRES_RANK_SATURATION = 0.03
# PostgreSQL counts each term's matches for its idf up to this many: enough to tell
# rare words from common ones, bounded for a word in most of a large base.
IDF_COUNT_CAP = 10_000

# Ranking every match of a very common word is what makes search slow at scale
# (see the README, "Performance"): a search ranks at most this many candidates,
# the most recently added matches that pass the filters, and a count that reaches
# it reads "N+".
RANKED_CANDIDATES = 1_000
# ... unless the query matches at most this many clauses in all (a bounded count,
# cheap on both indexes): then every match is ranked, the newest no better placed.
RANK_ALL_UP_TO = 10_000
RESULT_COUNT_CAP = RANKED_CANDIDATES
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
