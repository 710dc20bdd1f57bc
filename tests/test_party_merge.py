"""Merging parties: the domain function and the admin action (docs/editing/rules.md)."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from kb.importers.base import PartyLookup
from kb.models import Announcement, Clause, Party, Status
from kb.parties import merge_parties
from kb.workflow import WorkflowError
from tests.factories import make_announcement, make_clause, make_party

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:kb_party_changelist")


@pytest.fixture
def three_spellings():
    """One organisation under three names, each named by records of its own, and one
    announcement naming two of them."""
    keep = make_party("Microsoft", aliases="MSFT", website="https://microsoft.example/")
    caps = make_party("MICROSOFT CORPORATION", website="https://other.example/")
    short = make_party("Microsoft Corp.", short_name="MS")
    both = make_announcement("Names two", parties=[keep, caps])
    only_caps = make_announcement("Names the capitals", parties=[caps])
    clause = make_clause(make_announcement(status=Status.DRAFT), parties=[short, caps])
    return keep, caps, short, both, only_caps, clause


def names_of(record):
    return sorted(record.parties.values_list("name", flat=True))


def test_merging_moves_every_link_to_the_party_kept_once(three_spellings, publisher):
    keep, caps, short, both, only_caps, clause = three_spellings
    result = merge_parties(keep, [caps, short], by=publisher)
    assert names_of(both) == names_of(only_caps) == names_of(clause) == ["Microsoft"]
    assert (result.announcements, result.clauses) == (2, 1)
    assert list(Party.objects.values_list("name", flat=True)) == ["Microsoft"]


def test_the_merged_names_become_aliases_that_importers_find(three_spellings, publisher):
    keep, caps, short, *_ = three_spellings
    merge_parties(keep, [caps, short], by=publisher)
    keep.refresh_from_db()
    assert keep.alias_list == ["MSFT", "MICROSOFT CORPORATION", "Microsoft Corp.", "MS"]
    assert keep.website == "https://microsoft.example/"
    assert PartyLookup().find("Microsoft Corp.") == keep


def test_a_merge_is_in_the_history_of_every_record_it_touched(three_spellings, publisher):
    keep, caps, short, both, only_caps, clause = three_spellings
    merge_parties(keep, [caps, short], by=publisher)
    for record in (keep, both, only_caps, clause):
        latest = record.history.latest()
        assert latest.history_user == publisher
        assert "Merged “MICROSOFT CORPORATION”, “Microsoft Corp.”" in (latest.history_change_reason)
    deleted = Party.history.filter(id=caps.pk, history_type="-").get()
    assert deleted.history_change_reason == "Merged into “Microsoft”"
    # The history snapshot of a moved record lists the party it names now.
    snapshot = only_caps.history.latest().parties.values_list("party__name", flat=True)
    assert list(snapshot) == ["Microsoft"]


def test_a_merge_bumps_versions_so_open_forms_become_conflicts(three_spellings, publisher):
    keep, caps, short, both, only_caps, clause = three_spellings
    merge_parties(keep, [caps, short], by=publisher)
    assert Announcement.objects.get(pk=only_caps.pk).version == only_caps.version + 1
    assert Clause.objects.get(pk=clause.pk).version == clause.version + 1
    assert Party.objects.get(pk=keep.pk).version == keep.version + 1


def test_an_editor_may_not_merge(three_spellings, editor):
    keep, caps, *_ = three_spellings
    with pytest.raises(WorkflowError, match="Only Publishers"):
        merge_parties(keep, [caps], by=editor)
    assert Party.objects.count() == 3


def test_a_merge_that_breaks_a_rule_changes_nothing(publisher):
    keep = make_party("Keep")
    other = make_party("Other", aliases="x" * 9_999)
    announcement = make_announcement(parties=[other])
    with pytest.raises(WorkflowError, match="cannot take the merged names"):
        merge_parties(keep, [other], by=publisher)
    assert names_of(announcement) == ["Other"]
    assert Party.objects.count() == 2


def test_merging_a_party_into_itself_is_refused(publisher):
    keep = make_party("Keep")
    with pytest.raises(WorkflowError, match="at least two"):
        merge_parties(keep, [keep], by=publisher)


# The admin action ------------------------------------------------------------------


def select(*parties, **extra):
    return {
        "action": "merge_selected",
        ACTION_CHECKBOX_NAME: [str(party.pk) for party in parties],
        **extra,
    }


def test_the_action_asks_which_party_to_keep(publisher_client, three_spellings):
    keep, caps, short, *_ = three_spellings
    response = publisher_client.post(CHANGELIST, select(keep, caps, short))
    assert response.status_code == 200
    assert "Keep this party" in response.text
    assert response.text.count('type="radio"') == 3
    assert Party.objects.count() == 3


def test_the_action_merges_into_the_party_chosen(publisher_client, three_spellings):
    keep, caps, short, both, *_ = three_spellings
    response = publisher_client.post(
        CHANGELIST, select(keep, caps, short, into=str(caps.pk), merge="Merge"), follow=True
    )
    assert response.status_code == 200
    assert "into “MICROSOFT CORPORATION”" in response.text
    assert list(Party.objects.values_list("name", flat=True)) == ["MICROSOFT CORPORATION"]
    assert names_of(both) == ["MICROSOFT CORPORATION"]


def test_the_action_refuses_a_party_that_was_not_selected(publisher_client, three_spellings):
    keep, caps, short, *_ = three_spellings
    response = publisher_client.post(
        CHANGELIST, select(keep, caps, into=str(short.pk), merge="Merge")
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert Party.objects.count() == 3


def test_the_action_needs_two_parties(publisher_client, three_spellings):
    keep, *_ = three_spellings
    response = publisher_client.post(CHANGELIST, select(keep), follow=True)
    assert "Choose at least two parties" in response.text


def test_an_editor_is_not_offered_the_merge_action(editor_client, three_spellings):
    response = editor_client.get(CHANGELIST)
    assert "merge_selected" not in response.text
    keep, caps, *_ = three_spellings
    editor_client.post(CHANGELIST, select(keep, caps, into=str(keep.pk), merge="Merge"))
    assert Party.objects.count() == 3


def test_a_publisher_is_offered_the_merge_action(publisher_client):
    make_party()
    assert "merge_selected" in publisher_client.get(CHANGELIST).text


def test_the_merge_page_escapes_party_names(publisher_client):
    evil = make_party("<script>alert(1)</script>", slug="evil")
    response = publisher_client.post(CHANGELIST, select(evil, make_party("Plain")))
    assert "<script>alert(1)</script>" not in response.text
