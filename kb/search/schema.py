"""What the tantivy index holds: its fields, their analyzers, and the field boosts.

Two kinds of documents share one schema: a published clause and a published
announcement. Both fill the same text fields, so one compiled query searches
either: ``text`` holds the record's own words as a reader sees them (a clause's
heading and text; an announcement's title, summary and full text) and ``context``
what situates it (for a clause, its announcement's title and summary, its parties'
names and its topics; for an announcement, its parties' names). These are stemmed.
``words`` holds the record's own words as written, unstemmed, with numbers,
percentages and amounts kept whole ("27%", "$135", "2,000"): prefixes and numbers
are matched there.

The other fields filter, sort and count inside the engine: party and topic ids,
kind, effect, dates as day numbers (``date.toordinal()``), and the "in force"
bounds of a clause. Changing any of this changes ``SCHEMA_VERSION``, and an index
built with another version is rebuilt from the database.
"""

from __future__ import annotations

import datetime as dt
import functools

import tantivy

# Bump on any change to the fields, analyzers or what a document holds.
SCHEMA_VERSION = 1

CLAUSE, ANNOUNCEMENT = "clause", "announcement"
DOCUMENT_TYPES = (CLAUSE, ANNOUNCEMENT)

# Text fields.
TEXT, CONTEXT, WORDS = "text", "context", "words"
# BM25 is computed per field; a word's score is the boosted sum over the fields
# that hold it. A record's own words count in full; its context only situates it,
# so a match there ranks below a match in the record itself. (The heading is part
# of the text, not a field of its own: a boost of its own measured no better on
# ACORD train; see the docs, "Relevance".)
FIELD_BOOSTS = {TEXT: 1.0, CONTEXT: 0.3}

# Keys and filters.
# A record's number: its pk, with its type in the lowest bit (documents.Key): what
# results are read by and what a change deletes by.
UID = "uid"
TYPE = "type"
PARTY, TOPIC, KIND, EFFECT, YEAR = "party", "topic", "kind", "effect", "year"
# The announcement's period as day numbers: its first and its last day.
DATE_START, DATE_END = "date_start", "date_end"
# A clause's "in force" bounds as day numbers (see documents.py).
STARTS, ENDS, SUPERSEDED_FROM = "starts", "ends", "superseded_from"
# Sort keys (see documents.py): newest first, oldest first, latest published first.
NEWEST, OLDEST, PUBLISHED = "newest", "oldest", "published"
# A hash of everything indexed for the record: ``search_index check`` compares it.
DIGEST = "digest"

# Day numbers for "no bound": before and after every date.
NO_START = 0
NO_END = dt.date.max.toordinal()

STEMMED_ANALYZER, WORDS_ANALYZER = "kb_stemmed", "kb_words"
# Words longer than this are not indexed (nor searched): no real word is, and
# they would only bloat the term dictionary.
LONGEST_WORD = 60
# A number, a percentage or an amount as written: "27%", "$135", "2,000", "1.5".
NUMBER_PATTERN = r"[$€£¥]?[0-9]+(?:[.,][0-9]+)*%?"
_WORDS_PATTERN = NUMBER_PATTERN + r"|[^\W_]+"


@functools.cache
def stemmed_analyzer() -> tantivy.TextAnalyzer:
    """Letters and digits, lower case, accents folded, English (Snowball) stems."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(LONGEST_WORD))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


@functools.cache
def words_analyzer() -> tantivy.TextAnalyzer:
    """Words as written (lower case, accents folded), numbers kept whole."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(_WORDS_PATTERN))
        .filter(tantivy.Filter.remove_long(LONGEST_WORD))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


def register_analyzers(index: tantivy.Index) -> None:
    """Analyzers are not stored with an index: every process that opens one registers them."""
    index.register_tokenizer(STEMMED_ANALYZER, stemmed_analyzer())
    index.register_tokenizer(WORDS_ANALYZER, words_analyzer())


@functools.cache
def schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field(UID, fast=True, indexed=True)
    builder.add_text_field(TYPE, tokenizer_name="raw", fast=True, index_option="basic")
    for name in (TEXT, CONTEXT):
        builder.add_text_field(name, tokenizer_name=STEMMED_ANALYZER)
    builder.add_text_field(WORDS, tokenizer_name=WORDS_ANALYZER)
    for name in (PARTY, TOPIC):
        builder.add_unsigned_field(name, fast=True, indexed=True)
    for name in (KIND, EFFECT):
        builder.add_text_field(name, tokenizer_name="raw", fast=True, index_option="basic")
    for name in (YEAR, DATE_START, DATE_END, STARTS, ENDS, SUPERSEDED_FROM):
        builder.add_unsigned_field(name, fast=True, indexed=True)
    for name in (NEWEST, OLDEST, PUBLISHED, DIGEST):
        builder.add_unsigned_field(name, fast=True)
    return builder.build()
