import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kb.demo import DEMO_STATEMENT
from kb.importers.statement import MAX_STATEMENT_BYTES, parse_statement
from kb.models import Announcement, Clause, Status
from tests.factories import index_now, make_announcement

pytestmark = pytest.mark.django_db

URL = "/admin/kb/announcement/import/"
SEED = DEMO_STATEMENT.read_text(encoding="utf-8")
SEED_URL = "https://openai.com/index/continuing-microsoft-partnership/"


def _staff(*permissions):
    user = get_user_model().objects.create_user("staff-member", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=permissions))
    return user


@pytest.fixture
def editor_client(client):
    client.force_login(
        _staff("add_announcement", "add_clause", "change_announcement", "change_clause")
    )
    return client


def _save_data(source: str, clauses: list[dict], filename: str = "pasted text") -> dict:
    data = {
        "save": "Save as drafts",
        "source": source,
        "filename": filename,
        "form-TOTAL_FORMS": str(len(clauses)),
        "form-INITIAL_FORMS": str(len(clauses)),
    }
    for index, clause in enumerate(clauses):
        for name, value in clause.items():
            if value is not False:
                data[f"form-{index}-{name}"] = value
    return data


def _seed_clauses() -> list[dict]:
    return [
        {"heading": c.heading, "text": c.text, "line": c.line, "ORDER": str(i), "DELETE": False}
        for i, c in enumerate(parse_statement(SEED).statement.clauses, start=1)
    ]


def test_the_page_has_the_admin_url_name():
    assert reverse("admin:kb_announcement_import") == URL


def test_an_editor_sees_the_paste_and_upload_form(editor_client):
    response = editor_client.get(URL)
    assert response.status_code == 200
    assert b'name="text"' in response.content and b'name="upload"' in response.content


def test_staff_without_the_add_permission_are_refused(client):
    client.force_login(_staff("view_announcement"))
    assert client.get(URL).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_pasting_the_seed_previews_its_clauses_and_saves_nothing(editor_client):
    response = editor_client.post(URL, {"text": SEED, "preview": "Preview"})
    assert response.status_code == 200
    headings = [form.initial["heading"] for form in response.context["formset"]]
    assert headings[0] == "The partnership remains strong and central"
    assert len(headings) == 7
    assert len(response.context["related"]) == 5
    assert "Joint Statement from OpenAI and Microsoft" in response.content.decode()
    assert not Announcement.objects.exists()


def test_uploading_the_seed_previews_it_too(editor_client):
    upload = SimpleUploadedFile("statement.md", SEED.encode(), content_type="text/markdown")
    response = editor_client.post(URL, {"upload": upload, "preview": "Preview"})
    assert len(response.context["formset"].forms) == 7
    assert response.context["confirm_form"].initial["filename"] == "statement.md"


def test_the_preview_query_count_is_pinned(editor_client, django_assert_num_queries):
    index_now()
    # Session, user and their permissions (2), then one lookup for the statement and
    # two for each related announcement (none by title, so by summary), one read of
    # the parties' names for those the text names (none are ticked: no parties
    # exist); the lineage suggestions read the parties (1) and check the search index
    # is up to date (1), and find no published clause here
    # (tests/lineage_suggestions/ pins more).
    with django_assert_num_queries(2 + 2 + 1 + 5 * 2 + 1 + 2):
        response = editor_client.post(URL, {"text": SEED, "preview": "Preview"})
    assert response.status_code == 200
    assert len(response.context["formset"].forms) == 7


def test_saving_the_preview_writes_drafts_like_the_command(editor_client):
    response = editor_client.post(URL, _save_data(SEED, _seed_clauses()))
    assert response.status_code == 302
    statement = Announcement.objects.get(source_url=SEED_URL)
    assert statement.clauses.count() == 7
    assert set(Announcement.objects.values_list("status", flat=True)) == {Status.DRAFT}
    assert Announcement.objects.count() == 6


def test_the_editors_adjustments_are_saved(editor_client):
    clauses = _seed_clauses()
    clauses[0]["ORDER"], clauses[1]["ORDER"] = "2", "1"
    clauses[2]["heading"] = "Revenue share unchanged"
    clauses[6]["DELETE"] = "on"
    editor_client.post(URL, _save_data(SEED, clauses))
    saved = list(
        Clause.objects.filter(announcement__source_url=SEED_URL)
        .order_by("position")
        .values_list("position", "heading")
    )
    assert saved[:3] == [
        (1, "Our IP relationship continues unchanged"),
        (2, "The partnership remains strong and central"),
        (3, "Revenue share unchanged"),
    ]
    assert len(saved) == 6


def test_the_saved_drafts_record_who_imported_them(editor_client):
    editor_client.post(URL, _save_data(SEED, _seed_clauses()))
    statement = Announcement.objects.get(source_url=SEED_URL)
    assert statement.updated_by.username == "staff-member"
    assert statement.history.first().history_user.username == "staff-member"


def test_a_malformed_upload_names_the_line_and_saves_nothing(editor_client):
    upload = SimpleUploadedFile("bad.md", b"# One\n# Two\nbody\\.\n")
    response = editor_client.post(URL, {"upload": upload, "preview": "Preview"})
    assert response.status_code == 200
    assert "line 2 of bad.md" in response.content.decode()
    assert not Announcement.objects.exists()


def test_a_binary_upload_is_refused(editor_client):
    upload = SimpleUploadedFile("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00")
    response = editor_client.post(URL, {"upload": upload, "preview": "Preview"})
    assert "Cannot read the statement" in response.content.decode()


def test_an_upload_over_the_size_limit_is_refused(editor_client):
    upload = SimpleUploadedFile("big.txt", b"x" * (MAX_STATEMENT_BYTES + 1))
    response = editor_client.post(URL, {"upload": upload, "preview": "Preview"})
    assert "the limit is" in response.content.decode()
    assert not Announcement.objects.exists()


def test_only_text_and_markdown_files_are_accepted(editor_client):
    upload = SimpleUploadedFile("statement.pdf", SEED.encode())
    response = editor_client.post(URL, {"upload": upload, "preview": "Preview"})
    assert response.context["source_form"].errors["upload"]


def test_a_malformed_text_on_save_saves_nothing(editor_client):
    response = editor_client.post(URL, _save_data("# One\n# Two\n", []))
    assert response.status_code == 200
    assert "line 2 of pasted text" in response.content.decode()
    assert not Announcement.objects.exists()


def test_an_empty_heading_keeps_the_preview_and_saves_nothing(editor_client):
    clauses = _seed_clauses()
    clauses[0]["heading"] = ""
    response = editor_client.post(URL, _save_data(SEED, clauses))
    assert response.status_code == 200
    assert response.context["formset"].errors[0]["heading"]
    assert not Announcement.objects.exists()


def test_saving_over_a_published_statement_is_refused(editor_client):
    make_announcement("Published already", source_url=SEED_URL, status=Status.PUBLISHED)
    response = editor_client.post(URL, _save_data(SEED, _seed_clauses()))
    assert response.status_code == 200
    assert "already in the knowledge base and is published" in response.content.decode()
    assert Announcement.objects.count() == 1
    assert not Clause.objects.exists()


def test_statement_text_is_escaped_in_the_preview(editor_client):
    text = "# <script>alert(1)</script>\n**<img src=x onerror=alert(1)>\\.**Body\\.\n"
    response = editor_client.post(URL, {"text": text, "preview": "Preview"})
    content = response.content.decode()
    assert "<script>alert(1)" not in content and "<img src=x" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_two_announcements_with_the_same_source_url_give_a_form_error(editor_client):
    make_announcement("One", source_url=SEED_URL, status=Status.DRAFT)
    make_announcement("Two", source_url=SEED_URL, status=Status.DRAFT)
    response = editor_client.post(URL, {"text": SEED, "preview": "Preview"})
    assert response.status_code == 200
    assert "More than one announcement matches" in response.content.decode()
    response = editor_client.post(URL, _save_data(SEED, _seed_clauses()))
    assert response.status_code == 200
    assert not Clause.objects.exists()


def test_the_announcement_change_list_links_to_the_import_and_the_deleted_list(editor_client):
    response = editor_client.get(reverse("admin:kb_announcement_changelist"))

    assert response.status_code == 200
    assert reverse("admin:kb_announcement_import") in response.text
    assert reverse("admin:kb_announcement_deleted") in response.text
