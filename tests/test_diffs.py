import pytest

from kb.diffs import normalise_newlines, word_diff


def test_a_changed_word_is_shown_removed_and_added_among_unchanged_words():
    diff = word_diff("The licensee may not use the model", "The licensee may use the hosted model")
    assert diff == "The licensee may <del>not </del>use the<ins> hosted</ins> model"


def test_neighbouring_changed_words_are_one_change():
    assert word_diff("Original heading", "New heading text") == (
        "<del>Original</del><ins>New</ins> heading<ins> text</ins>"
    )


def test_markup_in_either_text_is_escaped():
    diff = word_diff("keeps <b>exclusive</b> rights", "keeps <script>x</script> rights")
    assert "<b>" not in diff and "<script>" not in diff
    assert "<del>&lt;b&gt;exclusive&lt;/b&gt;</del>" in diff
    assert "<ins>&lt;script&gt;x&lt;/script&gt;</ins>" in diff


def test_a_long_unchanged_stretch_keeps_only_the_words_next_to_the_change():
    old = " ".join(f"w{n}" for n in range(100))
    diff = word_diff(old, old.replace("w50", "changed"))
    assert diff.startswith("… w42 ")
    assert "<del>w50</del><ins>changed</ins>" in diff
    assert diff.endswith(" w58 …")
    assert "w10" not in diff


def test_the_whole_text_is_kept_without_context():
    old = " ".join(f"w{n}" for n in range(100))
    assert "w10" in word_diff(old, old.replace("w50", "changed"), context=None)


@pytest.mark.parametrize("old", ["one\r\ntwo", "one\rtwo", "one\ntwo"], ids=["CRLF", "CR", "LF"])
def test_line_endings_alone_are_no_change(old):
    assert word_diff(old, "one\ntwo") == "one\ntwo"
    assert normalise_newlines(old) == "one\ntwo"


def test_a_very_large_change_is_shown_as_removed_and_added_whole():
    old = " ".join(f"a{n}" for n in range(30_000))
    new = " ".join(f"b{n}" for n in range(30_000))
    diff = word_diff("same " + old, "same " + new)
    assert diff.startswith("same <del>a0 ") and "<ins>b0 " in diff
