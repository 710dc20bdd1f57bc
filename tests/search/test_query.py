"""The query syntax (kb/search/query.py): what a user types, parsed into terms."""

import pytest

from kb.search.constants import MAX_QUERY_LENGTH, MAX_TERMS
from kb.search.query import QueryError, parse_query


def test_plain_words_are_each_required():
    parsed = parse_query("exclusive licence")
    assert [term.words for term in parsed.terms] == [("exclusive",), ("licence",)]
    assert len(parsed.groups) == 2


def test_a_hyphenated_word_becomes_a_phrase_of_its_parts():
    (term,) = parse_query("non-exclusive").terms
    assert term.words == ("non", "exclusive")


@pytest.mark.parametrize("text", ["OpenAI’s", "OpenAI's"], ids=["curly", "straight"])
def test_curly_and_straight_apostrophes_parse_alike(text):
    (term,) = parse_query(text).terms
    assert term.words == ("openai", "s")


def test_a_query_longer_than_the_limit_is_refused_with_a_message():
    with pytest.raises(QueryError, match="too long"):
        parse_query("a" * (MAX_QUERY_LENGTH + 1))


def test_a_query_with_too_many_words_is_refused_with_a_message():
    with pytest.raises(QueryError, match="too many words"):
        parse_query(" ".join(f"w{number}" for number in range(MAX_TERMS + 1)))


def test_unquoted_stopwords_are_left_out():
    parsed = parse_query("cap on liability at the fees paid", expand=False)
    assert [term.words for term in parsed.terms] == [("cap",), ("liability",), ("fees",), ("paid",)]


def test_stopwords_inside_quotes_are_kept():
    (term,) = parse_query('"as is"').terms
    assert term.words == ("as", "is")


def test_a_query_of_stopwords_only_keeps_them():
    parsed = parse_query("the who")
    assert [term.words for term in parsed.terms] == [("the",), ("who",)]


def test_stopwords_do_not_count_towards_the_word_limit():
    words = [f"w{number}" for number in range(MAX_TERMS)]
    assert len(parse_query(" the ".join(words)).terms) == MAX_TERMS


def test_closest_matches_keep_phrases_and_exclusions():
    relaxed = parse_query('"as is" warranty -merchantability', expand=False).relaxed()
    assert [term.words for term in relaxed.terms] == [("as", "is"), ("warranty",)]
    assert [term.words for term in relaxed.excluded] == [("merchantability",)]


def test_only_excluded_words_is_refused_with_a_message():
    with pytest.raises(QueryError, match="Add a word"):
        parse_query("-amazon")


@pytest.mark.parametrize("text", ["", "   ", '"', "*", "-", "OR", "^:()", "🙂", "\x00"], ids=repr)
def test_punctuation_alone_is_an_empty_query(text):
    assert parse_query(text).is_empty


@pytest.mark.parametrize(
    ("text", "words", "as_written"),
    [
        ("27%", ("27",), "27%"),
        ("$135", ("135",), "$135"),
        ("(2,000)", ("2", "000"), "2,000"),
        ("1.5", ("1", "5"), "1.5"),
        ("2032", ("2032",), None),
        ("licence", ("licence",), None),
    ],
    ids=repr,
)
def test_a_number_keeps_how_it_was_written(text, words, as_written):
    (term,) = parse_query(text).terms
    assert (term.words, term.as_written) == (words, as_written)


def test_a_prefix_keeps_the_letters_typed():
    (term,) = parse_query("Terminat*").terms
    assert term.prefix and term.words == ("terminat",)


def test_a_one_letter_prefix_is_a_plain_word():
    (term,) = parse_query("a*").terms
    assert not term.prefix
