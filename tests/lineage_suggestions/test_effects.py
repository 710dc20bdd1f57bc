"""The effect rules, on sentences worded as agreements and announcements word them."""

import pytest

from kb.lineage_suggestions.effects import differences, propose_effect
from kb.models import ClauseEffect

EARLIER = "Microsoft holds an exclusive license to OpenAI IP through 2030."


@pytest.mark.parametrize(
    ("new", "earlier", "effect", "verb"),
    [
        pytest.param(
            "Our IP relationship remains unchanged.",
            EARLIER,
            ClauseEffect.REAFFIRMED,
            "reaffirms",
            id="remains unchanged",
        ),
        pytest.param(
            "The parties continue to share revenue as before.",
            "The parties share revenue.",
            ClauseEffect.REAFFIRMED,
            "reaffirms",
            id="continues",
        ),
        pytest.param(
            "The Agreement is ratified and confirmed.",
            "The Agreement.",
            ClauseEffect.REAFFIRMED,
            "reaffirms",
            id="ratified and confirmed",
        ),
        pytest.param(
            "Microsoft's license to OpenAI IP is non-exclusive through 2030.",
            EARLIER,
            ClauseEffect.AMENDED,
            "amends",
            id="exclusive against non-exclusive",
        ),
        pytest.param(
            "Microsoft holds an exclusive license to OpenAI IP through 2032.",
            EARLIER,
            ClauseEffect.AMENDED,
            "amends",
            id="through 2030 against through 2032",
        ),
        pytest.param(
            "The term is five (5) years from the Effective Date.",
            "The term is three (3) years from the Effective Date.",
            ClauseEffect.AMENDED,
            "amends",
            id="another duration",
        ),
        pytest.param(
            "Microsoft invests $135 billion.",
            "Microsoft invests $13 billion.",
            ClauseEffect.AMENDED,
            "amends",
            id="another amount",
        ),
        pytest.param(
            "The license applies only in the United States.",
            "The license applies in all territories.",
            ClauseEffect.AMENDED,
            "amends",
            id="scope limited",
        ),
        pytest.param(
            "IP rights are extended.",
            EARLIER,
            ClauseEffect.AMENDED,
            "amends",
            id="says it extends",
        ),
        pytest.param(
            "The amendment removes revenue sharing from Microsoft to OpenAI.",
            "Microsoft shares revenue with OpenAI.",
            ClauseEffect.REMOVED,
            "removes",
            id="removes",
        ),
        pytest.param(
            "Section 4.2 is hereby deleted.",
            "Section 4.2: the supplier keeps stock.",
            ClauseEffect.REMOVED,
            "removes",
            id="is hereby deleted",
        ),
        pytest.param(
            "Azure is no longer the exclusive cloud provider.",
            "Azure is the exclusive cloud provider.",
            ClauseEffect.REMOVED,
            "removes",
            id="no longer",
        ),
        pytest.param(
            "This clause replaces Section 7 of the Original Agreement.",
            "Section 7: fees are due monthly.",
            ClauseEffect.AMENDED,
            "replaces",
            id="replaces",
        ),
        pytest.param(
            "Section 2 is amended and restated in its entirety to read as follows.",
            "Section 2: the territory.",
            ClauseEffect.AMENDED,
            "replaces",
            id="amended and restated",
        ),
        pytest.param(
            "These rights shall not be removed or limited.",
            "These rights.",
            ClauseEffect.REAFFIRMED,
            "reaffirms",
            id="a negated removal is none",
        ),
    ],
)
def test_the_rules_propose_the_effect_drafting_usage_implies(new, earlier, effect, verb):
    proposal = propose_effect(new, earlier)
    assert (proposal.effect, proposal.verb) == (effect, verb)


def test_an_attribute_only_one_clause_states_is_no_difference():
    assert differences("Azure is the exclusive cloud provider.", "Azure hosts the APIs.") == []


def test_the_reason_names_what_changed_from_old_to_new():
    assert differences("The license is non-exclusive through 2032.", EARLIER) == [
        "exclusivity changed (exclusive → non-exclusive)",
        "dates changed (2030 → 2032)",
    ]


def test_amounts_written_differently_but_equal_are_no_difference():
    assert differences("A $250B commitment.", "A $250 billion commitment.") == []


def test_the_same_wording_is_reaffirmed():
    proposal = propose_effect("Section 4 is deleted.", "Section 4 is deleted.")
    assert (proposal.effect, proposal.because) == (ClauseEffect.REAFFIRMED, "same wording")


def test_a_phrase_carried_over_from_the_earlier_wording_is_no_signal():
    earlier = "Fees may be increased by agreement; the supplier remains exclusive."
    new = "Fees may be increased by agreement; the supplier remains exclusive in Europe."
    assert propose_effect(new, earlier).verb == "reaffirms"


def test_the_same_phrase_in_other_words_still_counts():
    earlier = "The term is two years, unless extended by written agreement."
    new = "The term of the Agreement is hereby extended to January 20, 2012."
    assert propose_effect(new, earlier).verb == "amends"
