"""Who gets what on every public URL: each page, feed, API endpoint and export, for a
published record and for a draft, in-review and retracted one, as an anonymous
visitor and as each role, with the site open and with login required.

The URLs come from the URLconf: a new public URL without a rule here fails
``test_every_public_url_has_a_rule``. (Admin URLs are walked in tests/admin/test_admin.py.)
"""

import pytest
from django.urls import URLResolver, get_resolver, reverse

from kb.models import Status
from tests.factories import make_announcement, make_clause, make_party, make_topic, make_user

pytestmark = pytest.mark.django_db

PUBLIC_NAMESPACES = ("kb", "api")
STATUSES = [Status.PUBLISHED, Status.DRAFT, Status.IN_REVIEW, Status.RETRACTED]

# URLs that list or describe many records: the same answer whatever the records' states.
LIST_URLS = {
    "kb:home": [""],
    "kb:search": ["", "?q=escrow", "?q=escrow&format=csv", "?format=json"],
    "kb:search_facets": ["?q=escrow", "?q=escrow&fragment=1"],
    "kb:in_force": ["", "?on=2025-06-01"],
    "kb:announcements": ["", "?year=unknown&kind=joint_statement"],
    "kb:topics": [""],
    "kb:parties": [""],
    "kb:feed_announcements": [""],
    "kb:feed_search": ["", "?q=escrow"],
    "api:root": [""],
    "api:announcements": [""],
    "api:clauses": ["", "?q=escrow"],
    "api:topics": [""],
    "api:parties": [""],
    "api:openapi": [""],
    "api:docs": ["", "?script="],
}
# URLs of one record: public only while the record (or the clause's announcement,
# or for a topic or party some record using it) is published.
RECORD_URLS = {
    "kb:announcement": lambda records: [records["announcement"].slug],
    "kb:clause": lambda records: [records["clause"].pk],
    "kb:topic": lambda records: [records["topic"].slug],
    "kb:party": lambda records: [records["party"].slug],
    "api:announcement": lambda records: [records["announcement"].slug],
    "api:clause": lambda records: [records["clause"].pk],
}
ROLES = ["anonymous", "no role", "Readers", "Editors", "Publishers"]


def public_url_names() -> set[str]:
    names = set()
    for resolver in get_resolver().url_patterns:
        if isinstance(resolver, URLResolver) and resolver.namespace in PUBLIC_NAMESPACES:
            # An unnamed pattern (the API's catch-all 404) serves no page of its own.
            names |= {f"{resolver.namespace}:{p.name}" for p in resolver.url_patterns if p.name}
    return names


def test_every_public_url_has_a_rule():
    assert public_url_names() == set(LIST_URLS) | set(RECORD_URLS)


@pytest.fixture
def records_by_status():
    """Per state: an announcement with a clause, and a topic and party only it uses."""
    by_status = {}
    for status in STATUSES:
        party = make_party(f"Party {status}", slug=f"party-{status}")
        topic = make_topic(f"Topic {status}", slug=f"topic-{status}")
        announcement = make_announcement(
            f"Escrow announcement {status}", slug=f"escrow-{status}", status=status, parties=[party]
        )
        clause = make_clause(announcement, "Escrow", "The escrow agent.", topics=[topic])
        by_status[status] = {
            "announcement": announcement,
            "clause": clause,
            "topic": topic,
            "party": party,
        }
    return by_status


def expected_status(name: str, *, role: str, login_required: bool, published: bool) -> int:
    is_api = name.startswith("api:")
    if login_required and role == "anonymous":
        return 401 if is_api else 302
    if login_required and role == "no role":
        return 403
    return 200 if published else 404


def walk(client, records_by_status, *, role: str, login_required: bool):
    """(url, status got, status expected) for every public URL."""
    rows = []
    for name, suffixes in LIST_URLS.items():
        for suffix in suffixes:
            url = reverse(name) + suffix
            want = expected_status(name, role=role, login_required=login_required, published=True)
            rows.append((url, client.get(url).status_code, want))
    for name, args in RECORD_URLS.items():
        for status, records in records_by_status.items():
            url = reverse(name, args=args(records))
            want = expected_status(
                name,
                role=role,
                login_required=login_required,
                published=status == Status.PUBLISHED,
            )
            rows.append((url, client.get(url).status_code, want))
    return rows


@pytest.mark.parametrize("login_required", [False, True], ids=["open site", "login required"])
@pytest.mark.parametrize("role", ROLES)
def test_each_public_url_answers_each_visitor_exactly_as_the_rules_say(
    client, settings, records_by_status, role, login_required
):
    settings.KB_REQUIRE_LOGIN = login_required
    if role == "no role":
        client.force_login(make_user())
    elif role != "anonymous":
        client.force_login(make_user(role=role))
    rows = walk(client, records_by_status, role=role, login_required=login_required)
    wrong = {url: (got, want) for url, got, want in rows if got != want}
    assert wrong == {}, "url: (got, expected)"


def test_an_anonymous_visitor_is_sent_to_log_in_and_back_to_the_draft_url_too(
    client, settings, records_by_status
):
    settings.KB_REQUIRE_LOGIN = True
    url = reverse("kb:announcement", args=[records_by_status[Status.DRAFT]["announcement"].slug])
    response = client.get(url)
    assert response.url == f"{reverse('admin:login')}?next={url}"


def test_a_draft_is_a_404_that_does_not_name_it_even_for_its_publisher(
    client, records_by_status, publisher
):
    client.force_login(publisher)
    draft = records_by_status[Status.DRAFT]["announcement"]
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 404
    assert draft.title not in response.text


# The admin: what a role may not see, it may not probe either ---------------------------


def history_pages(records) -> dict:
    """Each admin page about one record's history: (method, args for an existing
    record, args for a missing one)."""
    missing = 987654
    pages = {}
    for model in ("announcement", "clause", "party", "topic"):
        record = records[model]
        version = record.history.latest().history_id
        pages[f"{model}_history"] = ("get", [record.pk], [missing])
        # Announcements and clauses revert through the workflow; parties and topics
        # have simple_history's page of one version.
        other = (
            ("revert", "post") if model in ("announcement", "clause") else ("simple_history", "get")
        )
        pages[f"{model}_{other[0]}"] = (other[1], [record.pk, version], [missing, version])
    return pages


@pytest.mark.parametrize("role", ["no role", "Readers"])
def test_a_role_without_the_models_permission_gets_403_from_history_pages_whether_or_not_the_record_exists(  # noqa: E501
    client, records_by_status, role
):
    client.force_login(make_user() if role == "no role" else make_user(role=role))
    records = records_by_status[Status.DRAFT]
    answers = {}
    for page, (method, existing, missing) in history_pages(records).items():
        name = f"admin:kb_{page}"
        answers[page] = (
            getattr(client, method)(reverse(name, args=existing)).status_code,
            getattr(client, method)(reverse(name, args=missing)).status_code,
        )
    assert answers == dict.fromkeys(answers, (403, 403))


def test_an_editor_still_reads_a_records_history_and_gets_404_for_a_missing_one(
    client, records_by_status, editor
):
    client.force_login(editor)
    party = records_by_status[Status.DRAFT]["party"]
    assert client.get(reverse("admin:kb_party_history", args=[party.pk])).status_code == 200
    assert client.get(reverse("admin:kb_party_history", args=[987654])).status_code == 404


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", ""],
    ids=["other-site", "scheme-relative", "none"],
)
def test_a_login_never_leaves_the_site_and_lands_on_the_admin_index(client, next_url):
    make_user("nina", password="pw-nina-12345", role="Editors")
    data = {"username": "nina", "password": "pw-nina-12345"}
    response = client.post(reverse("admin:login") + (f"?next={next_url}" if next_url else ""), data)
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    assert client.get(response.url).status_code == 200


def test_a_login_goes_on_to_a_page_of_the_site(client, settings, records_by_status):
    settings.KB_REQUIRE_LOGIN = True
    make_user("rita", password="pw-rita-12345", role="Readers")
    data = {"username": "rita", "password": "pw-rita-12345"}
    response = client.post(reverse("admin:login") + "?next=/search/%3Fq%3Descrow", data)
    assert response.url == "/search/?q=escrow"
