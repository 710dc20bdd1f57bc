"""Who may change what: public parties, topics and lineage links only through a
Publisher, and the lost-update guard on parties and topics (docs/editing/rules.md)."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse

from kb import workflow
from kb.importers.statement import import_statement, parse_statement
from kb.models import Announcement, Clause, ClauseEffect, Party, Status, Topic
from tests.admin.admin_forms import change_form_data
from tests.factories import make_announcement, make_clause, make_party, make_topic, make_user

pytestmark = pytest.mark.django_db


def url_of(record, view="change"):
    return reverse(f"admin:kb_{record._meta.model_name}_{view}", args=[record.pk])


def public_party():
    party = make_party("Contoso", website="")
    make_announcement(parties=[party])
    return party


def party_of_a_published_clause():
    party = make_party("Fabrikam")
    make_clause(make_announcement(), parties=[party])
    return party


def public_topic():
    topic = make_topic("Exclusivity")
    make_clause(make_announcement(), topics=[topic])
    return topic


# Public parties and topics ---------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [public_party, public_topic, party_of_a_published_clause],
    ids=["party", "topic", "party-of-a-published-clause"],
)
def test_an_editor_sees_a_public_party_or_topic_read_only(editor_client, make):
    record = make()
    response = editor_client.get(url_of(record))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False


def test_an_editor_cannot_rename_a_public_party_or_set_its_website(editor_client):
    party = public_party()
    response = editor_client.post(
        url_of(party),
        {"name": "Renamed", "slug": party.slug, "website": "https://evil.example/"},
    )
    assert response.status_code == 403
    party.refresh_from_db()
    assert (party.name, party.website) == ("Contoso", "")


def test_an_editor_cannot_rename_a_public_topic(editor_client):
    topic = public_topic()
    response = editor_client.post(url_of(topic), {"name": "Renamed", "slug": topic.slug})
    assert response.status_code == 403
    topic.refresh_from_db()
    assert topic.name == "Exclusivity"


def test_an_editor_renames_a_party_only_drafts_use(editor_client):
    party = make_party("Unannounced partner")
    make_announcement(status=Status.DRAFT, parties=[party])
    data = change_form_data(editor_client.get(url_of(party)))
    data["name"] = "Announced partner"
    assert editor_client.post(url_of(party), data).status_code == 302
    party.refresh_from_db()
    assert (party.name, party.version) == ("Announced partner", 2)


def test_a_publisher_renames_a_public_party(publisher_client):
    party = public_party()
    data = change_form_data(publisher_client.get(url_of(party)))
    data.update(name="Contoso Ltd", website="https://contoso.example/")
    assert publisher_client.post(url_of(party), data).status_code == 302
    party.refresh_from_db()
    assert (party.name, party.website) == ("Contoso Ltd", "https://contoso.example/")


def test_an_editor_still_adds_a_party(editor_client):
    response = editor_client.post(reverse("admin:kb_party_add"), {"name": "New", "slug": "new"})
    assert response.status_code == 302
    assert Party.objects.filter(name="New").exists()


# Lineage links that touch published clauses ---------------------------------------


def draft_clause(**fields):
    return make_clause(
        make_announcement(status=Status.DRAFT, date=dt.date(2025, 1, 1)),
        "Draft term",
        effect=ClauseEffect.AMENDED,
        **fields,
    )


def published_clause(heading="Published term"):
    return make_clause(make_announcement(date=dt.date(2020, 1, 1)), heading)


def post_supersedes(client, clause, earlier):
    data = change_form_data(client.get(url_of(clause)))
    data["supersedes"] = str(earlier.pk) if earlier else ""
    return client.post(url_of(clause), data)


def test_an_editor_cannot_point_a_draft_clause_at_a_published_one(editor_client):
    clause, published = draft_clause(), published_clause()
    response = post_supersedes(editor_client, clause, published)
    assert response.status_code == 200
    assert "only Publishers may make a clause supersede it" in response.text
    clause.refresh_from_db()
    assert clause.supersedes_id is None


def test_an_editor_cannot_point_a_draft_clause_away_from_a_published_one(editor_client):
    published = published_clause()
    clause = draft_clause(supersedes=published)
    other_draft = make_clause(make_announcement(status=Status.DRAFT, date=dt.date(2021, 1, 1)))
    for target in (None, other_draft):
        response = post_supersedes(editor_client, clause, target)
        assert "is published: only Publishers" in response.text
        clause.refresh_from_db()
        assert clause.supersedes_id == published.pk


def test_an_editor_links_two_draft_clauses(editor_client):
    earlier = make_clause(make_announcement(status=Status.DRAFT, date=dt.date(2021, 1, 1)))
    clause = draft_clause()
    assert post_supersedes(editor_client, clause, earlier).status_code == 302
    clause.refresh_from_db()
    assert clause.supersedes_id == earlier.pk


def test_an_editor_cannot_link_a_published_clause_from_the_announcement_form(editor_client):
    clause, published = draft_clause(), published_clause()
    url = url_of(clause.announcement)
    data = change_form_data(editor_client.get(url))
    data["clauses-0-supersedes"] = str(published.pk)
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "only Publishers may make a clause supersede it" in response.text
    clause.refresh_from_db()
    assert clause.supersedes_id is None


def test_a_publisher_links_a_draft_clause_to_a_published_one(publisher_client):
    clause, published = draft_clause(), published_clause()
    assert post_supersedes(publisher_client, clause, published).status_code == 302
    clause.refresh_from_db()
    assert clause.supersedes_id == published.pk


def test_an_editor_cannot_revert_a_draft_clause_onto_a_published_link(editor):
    published = published_clause()
    clause = draft_clause(supersedes=published)
    record = clause.history.earliest()
    Clause.objects.filter(pk=clause.pk).update(supersedes=None)
    with pytest.raises(workflow.WorkflowError, match="only Publishers"):
        workflow.revert(record, by=editor)
    clause.refresh_from_db()
    assert clause.supersedes_id is None


# The lost-update guard on parties and topics ---------------------------------------


@pytest.mark.parametrize(
    ("make", "field", "mine", "theirs"),
    [
        (lambda: make_party("Acme"), "aliases", "Acme Corp", "ACME Inc."),
        (lambda: make_topic("Exclusivity"), "description", "Mine", "Theirs"),
    ],
    ids=["party", "topic"],
)
def test_a_second_editors_save_of_a_party_or_topic_is_a_conflict(
    client, editor, make, field, mine, theirs
):
    record = make()
    other = make_user("olga", role="Editors")
    client.force_login(editor)
    first = change_form_data(client.get(url_of(record)))
    client.force_login(other)
    second = change_form_data(client.get(url_of(record)))
    client.force_login(editor)
    first[field] = mine
    assert client.post(url_of(record), first).status_code == 302

    client.force_login(other)
    second[field] = theirs
    response = client.post(url_of(record), second)

    assert response.status_code == 200
    assert "while you were editing it" in response.text
    record.refresh_from_db()
    assert getattr(record, field) == mine


# Re-importing over a record someone has open ---------------------------------------

STATEMENT = "Summary.\n# A statement\nSource: https://example.com/a\n**Heading\\.**Body\\.\n"


def test_reimporting_a_statement_makes_an_open_announcement_form_a_conflict(editor_client):
    import_statement(parsed=parse_statement(STATEMENT), status=Status.DRAFT)
    announcement = Announcement.objects.get()
    url = url_of(announcement)
    stale = change_form_data(editor_client.get(url))
    import_statement(
        parsed=parse_statement(STATEMENT.replace("Summary.", "New summary.")),
        status=Status.DRAFT,
    )
    stale["title"] = "My title"
    response = editor_client.post(url, stale)
    assert response.status_code == 200
    assert "while you were editing it" in response.text
    announcement.refresh_from_db()
    assert (announcement.title, announcement.summary) == ("A statement", "New summary.")


def test_reimporting_a_changed_clause_makes_the_open_clause_form_a_conflict(editor_client):
    import_statement(parsed=parse_statement(STATEMENT), status=Status.DRAFT)
    clause = Clause.objects.get()
    stale = change_form_data(editor_client.get(url_of(clause)))
    stale_announcement = change_form_data(editor_client.get(url_of(clause.announcement)))
    import_statement(
        parsed=parse_statement(STATEMENT.replace("Body", "Imported body")), status=Status.DRAFT
    )
    stale["heading"] = "My heading"
    assert "while you were editing it" in editor_client.post(url_of(clause), stale).text
    stale_announcement["clauses-0-heading"] = "My heading"
    response = editor_client.post(url_of(clause.announcement), stale_announcement)
    assert "while you were editing it" in response.text
    clause.refresh_from_db()
    assert (clause.heading, clause.text) == ("Heading", "Imported body.")


def test_the_import_command_bumps_versions_too(tmp_path):
    path = tmp_path / "statement.txt"
    path.write_text(STATEMENT, encoding="utf-8")
    call_command("import_statement", str(path))
    versions = (Announcement.objects.get().version, Clause.objects.get().version)
    path.write_text(STATEMENT.replace("Body", "Changed"), encoding="utf-8")
    call_command("import_statement", str(path))
    assert (Announcement.objects.get().version, Clause.objects.get().version) == (
        versions[0] + 1,
        versions[1] + 1,
    )


def test_reimporting_an_unchanged_statement_bumps_nothing():
    import_statement(parsed=parse_statement(STATEMENT), status=Status.DRAFT)
    import_statement(parsed=parse_statement(STATEMENT), status=Status.DRAFT)
    assert (Announcement.objects.get().version, Clause.objects.get().version) == (1, 1)


def test_the_topic_list_still_works_for_an_editor(editor_client):
    public_topic()
    assert editor_client.get(reverse("admin:kb_topic_changelist")).status_code == 200
    assert Topic.objects.count() == 1


# Query counts ----------------------------------------------------------------------


def queries_of_second_load(client, url, django_assert_num_queries, expected):
    assert client.get(url).status_code == 200
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(("role", "expected"), [("Editors", 6), ("Publishers", 5)])
def test_the_party_change_form_runs_a_fixed_number_of_queries(
    client, django_assert_num_queries, role, expected
):
    party = public_party()
    client.force_login(make_user(role=role))
    queries_of_second_load(client, url_of(party), django_assert_num_queries, expected)


@pytest.mark.parametrize("count", [2, 50])
def test_the_party_and_topic_change_lists_run_the_same_queries_for_2_or_50_rows(
    publisher_client, django_assert_num_queries, count
):
    for _ in range(count):
        make_party()
        make_topic()
    for model in ("party", "topic"):
        url = reverse(f"admin:kb_{model}_changelist")
        queries_of_second_load(publisher_client, url, django_assert_num_queries, 6)
