"""The whole knowledge base as one JSON document, and back.

The document is keyed by natural keys, never database ids, so it restores on any
database (SQLite to PostgreSQL and back)::

    {"format": "kb", "version": 1,
     "parties": [{"slug", "name", "short_name", "aliases", "website"}],
     "topics": [{"slug", "name", "description"}],
     "announcements": [{"slug", "title", "kind", "parties": [party slugs], "date",
                        "date_precision", "source_url", "summary", "text", "credit",
                        "status", "published_at", "published_by", "updated_by",
                        "created_at", "updated_at",
                        "clauses": [{"position", "heading", "text", "topics": [slugs],
                                     "parties": [slugs], "effect", "effective_from",
                                     "effective_from_precision", "effective_until",
                                     "effective_until_precision",
                                     "supersedes": {"announcement": slug, "position": n} | null,
                                     "created_at", "updated_at"}]}]}

Dates are ISO 8601 (``date``, ``effective_*``: "2025-10-01" or null), timestamps ISO
8601 with their offset. Users are referred to by username and restored only where an
account of that name exists. Revision history and user accounts are not part of the
document (a database backup keeps those).

One module for one format, read (no database) and written back (one transaction),
longer than most because the document carries every kind of record.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Prefetch, signals

from kb.importers.base import PartyLookup
from kb.models import Announcement, Clause, Party, Topic

FORMAT = "kb"
VERSION = 1
# The document is read whole into memory, so a larger file is refused unread
# (``import_kb --max-megabytes`` raises the limit for a large knowledge base).
MAX_DOCUMENT_MEGABYTES = 32

PARTY_FIELDS = {"slug": str, "name": str, "short_name": str, "aliases": str, "website": str}
TOPIC_FIELDS = {"slug": str, "name": str, "description": str}
ANNOUNCEMENT_FIELDS = {
    "slug": str,
    "title": str,
    "kind": str,
    "parties": list,
    "date": (str, type(None)),
    "date_precision": str,
    "source_url": str,
    "summary": str,
    "text": str,
    "credit": str,
    "status": str,
    "published_at": (str, type(None)),
    "published_by": (str, type(None)),
    "updated_by": (str, type(None)),
    "created_at": str,
    "updated_at": str,
    "clauses": list,
}
CLAUSE_FIELDS = {
    "position": int,
    "heading": str,
    "text": str,
    "topics": list,
    "parties": list,
    "effect": str,
    "effective_from": (str, type(None)),
    "effective_from_precision": str,
    "effective_until": (str, type(None)),
    "effective_until_precision": str,
    "supersedes": (dict, type(None)),
    "created_at": str,
    "updated_at": str,
}


class KnowledgeBaseFormatError(ValueError):
    """The document cannot be imported; the message names the file and the record."""


# Export -----------------------------------------------------------------------------


def export_knowledge_base() -> dict:
    """Every party, topic, announcement and clause, in a stable order."""
    clauses = Clause.objects.select_related("supersedes__announcement").prefetch_related(
        Prefetch("topics", queryset=Topic.objects.only("slug")),
        Prefetch("parties", queryset=Party.objects.only("slug")),
    )
    announcements = (
        Announcement.objects.order_by("slug")
        .select_related("published_by", "updated_by")
        .prefetch_related(
            Prefetch("parties", queryset=Party.objects.only("slug")),
            Prefetch("clauses", queryset=clauses.order_by("position")),
        )
    )
    return {
        "format": FORMAT,
        "version": VERSION,
        "parties": [
            {name: getattr(party, name) for name in PARTY_FIELDS}
            for party in Party.objects.order_by("slug")
        ],
        "topics": [
            {name: getattr(topic, name) for name in TOPIC_FIELDS}
            for topic in Topic.objects.order_by("slug")
        ],
        "announcements": [
            _export_announcement(announcement) for announcement in announcements.iterator(500)
        ],
    }


def _export_announcement(announcement: Announcement) -> dict:
    return {
        "slug": announcement.slug,
        "title": announcement.title,
        "kind": announcement.kind,
        "parties": sorted(party.slug for party in announcement.parties.all()),
        "date": _iso(announcement.date),
        "date_precision": announcement.date_precision,
        "source_url": announcement.source_url,
        "summary": announcement.summary,
        "text": announcement.text,
        "credit": announcement.credit,
        "status": announcement.status,
        "published_at": _iso(announcement.published_at),
        "published_by": _username(announcement.published_by),
        "updated_by": _username(announcement.updated_by),
        "created_at": _iso(announcement.created_at),
        "updated_at": _iso(announcement.updated_at),
        "clauses": [_export_clause(clause) for clause in announcement.clauses.all()],
    }


def _export_clause(clause: Clause) -> dict:
    earlier = clause.supersedes
    return {
        "position": clause.position,
        "heading": clause.heading,
        "text": clause.text,
        "topics": sorted(topic.slug for topic in clause.topics.all()),
        "parties": sorted(party.slug for party in clause.parties.all()),
        "effect": clause.effect,
        "effective_from": _iso(clause.effective_from),
        "effective_from_precision": clause.effective_from_precision,
        "effective_until": _iso(clause.effective_until),
        "effective_until_precision": clause.effective_until_precision,
        "supersedes": (
            {"announcement": earlier.announcement.slug, "position": earlier.position}
            if earlier
            else None
        ),
        "created_at": _iso(clause.created_at),
        "updated_at": _iso(clause.updated_at),
    }


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


# Import -----------------------------------------------------------------------------


def read_document(data: bytes, *, filename: str) -> dict:
    """Decode a document and check its format and version (no database)."""
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise KnowledgeBaseFormatError(
            f"{filename}:{line}: the file is not UTF-8 text (byte {data[error.start]:#04x})"
        ) from None
    except json.JSONDecodeError as error:
        raise KnowledgeBaseFormatError(
            f"{filename}:{error.lineno}:{error.colno}: not valid JSON ({error.msg})"
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise KnowledgeBaseFormatError(f'{filename}: not a kb export (no "format": "kb")')
    if document.get("version") != VERSION:
        raise KnowledgeBaseFormatError(
            f"{filename}: export format version {document.get('version')!r}; "
            f"this kb reads version {VERSION}"
        )
    for key in ("parties", "topics", "announcements"):
        if not isinstance(document.get(key), list):
            raise KnowledgeBaseFormatError(f"{filename}: {key!r} must be a list")
    return document


def knowledge_base_is_empty() -> bool:
    return not any(model.objects.exists() for model in (Party, Topic, Announcement, Clause))


def import_knowledge_base(
    *, document: dict, replace: bool = False, progress: Callable[[Iterable], Iterable] = iter
) -> Counter[str]:
    """Restore a document in one transaction and return the number of records by kind.

    Refuses a database that already holds records unless ``replace`` is true, in which
    case every party, topic, announcement and clause is deleted first (their revision
    history keeps the deletions). Raises KnowledgeBaseFormatError naming the record.
    """
    counts: Counter[str] = Counter()
    with transaction.atomic():
        if not knowledge_base_is_empty():
            if not replace:
                raise KnowledgeBaseFormatError(
                    "the knowledge base is not empty; import into an empty database, or pass "
                    "--replace to delete every party, topic, announcement and clause first"
                )
            _delete_everything()
        _check_unique(document["parties"], "party", "slug", "name")
        _check_unique(document["topics"], "topic", "slug", "name")
        _check_unique(document["announcements"], "announcement", "slug")
        users = _users_by_name(document["announcements"])
        parties = _create_parties(document["parties"], counts)
        topics = {
            topic.slug: topic
            for topic in _create_all(document["topics"], "topic", TOPIC_FIELDS, Topic, counts)
        }
        restored: list = [*dict.fromkeys(parties.values()), *topics.values()]
        clauses: dict[tuple[str, int], Clause] = {}
        links: list[tuple[str, Clause, dict]] = []
        timestamps: list[Announcement | Clause] = []
        for index, record in enumerate(progress(document["announcements"])):
            where = _where("announcement", record, index)
            announcement = _create_announcement(record, where, parties, users)
            timestamps.append(announcement)
            restored.append(announcement)
            counts["announcements"] += 1
            for clause_index, clause_record in enumerate(record["clauses"]):
                clause_where = f"{where}, clause {clause_record.get('position', clause_index)}"
                clause = _create_clause(announcement, clause_record, clause_where, topics, parties)
                clauses[(announcement.slug, clause.position)] = clause
                timestamps.append(clause)
                restored.append(clause)
                if clause_record["supersedes"] is not None:
                    links.append((clause_where, clause, clause_record["supersedes"]))
                counts["clauses"] += 1
        _check_no_loops(links)
        for where, clause, target in links:
            _link(clause, target, where, clauses)
        # Saving set created_at/updated_at to now; put the exported moments back.
        Announcement.objects.bulk_update(
            [item for item in timestamps if isinstance(item, Announcement)],
            ["created_at", "updated_at"],
            batch_size=500,
        )
        Clause.objects.bulk_update(
            [item for item in timestamps if isinstance(item, Clause)],
            ["created_at", "updated_at"],
            batch_size=500,
        )
        _record_history(restored)
    return counts


def _delete_everything() -> None:
    # A clause's link to what it supersedes protects that clause from deletion.
    Clause.objects.exclude(supersedes=None).update(supersedes=None)
    for model in (Clause, Announcement, Topic, Party):
        model.objects.all().delete()


def _users_by_name(announcements: list) -> dict:
    names = {
        record.get(key)
        for record in announcements
        if isinstance(record, dict)
        for key in ("published_by", "updated_by")
    } - {None}
    users = get_user_model()
    return {user.get_username(): user for user in users.objects.filter(username__in=names)}


def _create_all(records: list, what: str, fields: dict, model, counts: Counter[str]):
    created = []
    for index, record in enumerate(records):
        where = _where(what, record, index)
        _check_fields(record, fields, where)
        instance = model(**{name: record[name] for name in fields})
        _save(instance, where)
        created.append(instance)
        counts[str(model._meta.verbose_name_plural)] += 1
    return created


def _create_parties(records: list, counts: Counter[str]) -> dict[str, Party]:
    """``{slug: party}`` for the document's parties. Two whose names are one party's
    for ``PartyLookup`` (case, punctuation, corporate suffix: "Microsoft" and
    "MICROSOFT CORPORATION") become one, as every importer makes them: the first,
    with the other's name among its aliases; the records naming either name it."""
    lookup = PartyLookup()
    parties: dict[str, Party] = {}
    for index, record in enumerate(records):
        where = _where("party", record, index)
        _check_fields(record, PARTY_FIELDS, where)
        same = lookup.find(record["name"])
        if same is not None:
            if record["name"] not in same.alias_list:
                same.aliases = "\n".join([*same.alias_list, record["name"]])
                _save(same, where)
            parties[record["slug"]] = same
            counts["parties merged"] += 1
            continue
        party = Party(**{name: record[name] for name in PARTY_FIELDS})
        _save(party, where)
        lookup.add(party)
        parties[party.slug] = party
        counts["parties"] += 1
    return parties


def _create_announcement(record, where: str, parties: dict, users: dict) -> Announcement:
    _check_fields(record, ANNOUNCEMENT_FIELDS, where)
    _check_unique(record["clauses"], f"clause of {where}", "position")
    announcement = Announcement(
        slug=record["slug"],
        title=record["title"],
        kind=record["kind"],
        date=_date(record["date"], "date", where),
        date_precision=record["date_precision"],
        source_url=record["source_url"],
        summary=record["summary"],
        text=record["text"],
        credit=record["credit"],
        status=record["status"],
        published_at=_datetime(record["published_at"], "published_at", where),
        published_by=users.get(record["published_by"]),
        updated_by=users.get(record["updated_by"]),
    )
    _save(announcement, where)
    announcement.parties.set(_lookup(record["parties"], parties, "party", where))
    announcement.created_at = _datetime(record["created_at"], "created_at", where)
    announcement.updated_at = _datetime(record["updated_at"], "updated_at", where)
    return announcement


def _create_clause(announcement, record, where: str, topics: dict, parties: dict) -> Clause:
    if not isinstance(record, dict):
        raise KnowledgeBaseFormatError(f"{where}: must be an object")
    _check_fields(record, CLAUSE_FIELDS, where)
    clause = Clause(
        announcement=announcement,
        position=record["position"],
        heading=record["heading"],
        text=record["text"],
        effect=record["effect"],
        effective_from=_date(record["effective_from"], "effective_from", where),
        effective_from_precision=record["effective_from_precision"],
        effective_until=_date(record["effective_until"], "effective_until", where),
        effective_until_precision=record["effective_until_precision"],
    )
    _save(clause, where)
    clause.topics.set(_lookup(record["topics"], topics, "topic", where))
    clause.parties.set(_lookup(record["parties"], parties, "party", where))
    clause.created_at = _datetime(record["created_at"], "created_at", where)
    clause.updated_at = _datetime(record["updated_at"], "updated_at", where)
    return clause


def _link(clause: Clause, target: dict, where: str, clauses: dict) -> None:
    """Set what ``clause`` supersedes. The rules of ``Clause.clean()`` are checked here
    against the document in memory (its lineage walk costs a query per ancestor, far
    too slow for a whole knowledge base); loops are checked once by ``_check_no_loops``."""
    key = (target.get("announcement"), target.get("position"))
    earlier = clauses.get(key)
    if earlier is None:
        raise KnowledgeBaseFormatError(
            f"{where}: supersedes clause {key[1]!r} of {key[0]!r}, which is not in the document"
        )
    if earlier is clause:
        raise KnowledgeBaseFormatError(f"{where}: A clause cannot supersede itself.")
    earlier_date, later_date = earlier.announcement.date, clause.announcement.date
    if earlier_date and later_date and earlier_date > later_date:
        raise KnowledgeBaseFormatError(
            f"{where}: A clause cannot supersede a clause of a later announcement."
        )
    clause.supersedes = earlier
    _save(clause, where, update_fields=["supersedes"])


def _check_no_loops(links: list[tuple[str, Clause, dict]]) -> None:
    successor_of = {
        id(clause): (where, (target.get("announcement"), target.get("position")))
        for where, clause, target in links
    }
    keys = {id(clause): (clause.announcement.slug, clause.position) for _, clause, _ in links}
    by_key = {keys[ident]: ident for ident in keys}
    settled: set[int] = set()
    for start in successor_of:
        path: list[int] = []
        current = start
        while current in successor_of and current not in settled:
            if current in path:
                raise KnowledgeBaseFormatError(f"{successor_of[current][0]}: its lineage is a loop")
            path.append(current)
            current = by_key.get(successor_of[current][1])
        settled.update(path)


def _save(instance, where: str, update_fields: list[str] | None = None) -> None:
    """Validate the fields in Python, then let the database check its constraints: the
    queries ``full_clean()`` would make for each constraint cost more than the whole
    insert. Uniqueness inside the document was checked up front (``_check_unique``)."""
    if update_fields is None:
        try:
            instance.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            problems = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
            )
            raise KnowledgeBaseFormatError(f"{where}: {problems}") from None
    instance.skip_history_when_saving = True  # recorded once at the end: _record_history
    try:
        instance.save(update_fields=update_fields)
    except DatabaseError as error:
        # The whole import rolls back with this error.
        raise KnowledgeBaseFormatError(f"{where}: {_constraint_message(instance, error)}") from None


def _constraint_message(instance, error: DatabaseError) -> str:
    text = str(error)
    for constraint in instance._meta.constraints:
        if constraint.name in text:
            return str(constraint.get_violation_error_message())
    return f"the database refused it ({text.splitlines()[0] if text else type(error).__name__})"


def _check_unique(records: list, what: str, *fields: str) -> None:
    for name in fields:
        seen: set = set()
        for index, record in enumerate(records):
            value = record.get(name) if isinstance(record, dict) else None
            if value is None:
                continue
            if value in seen:
                raise KnowledgeBaseFormatError(
                    f"{_where(what, record, index)}: another {what} has the {name} {value!r}"
                )
            seen.add(value)


def _record_history(instances: list) -> None:
    """One "created" revision per restored record, holding its final fields and
    relations. The saves and relation changes along the way skip the revision history
    (see ``_save``): it would otherwise write four revisions per clause, which made
    the import several times slower."""
    for instance in instances:
        del instance.skip_history_when_saving
        signals.post_save.send(
            sender=type(instance), instance=instance, created=True, update_fields=None, raw=False
        )


def _check_fields(record, fields: dict, where: str) -> None:
    if not isinstance(record, dict):
        raise KnowledgeBaseFormatError(f"{where}: must be an object")
    for name, kind in fields.items():
        if name not in record:
            raise KnowledgeBaseFormatError(f"{where}: missing {name!r}")
        value = record[name]
        if isinstance(value, bool) or not isinstance(value, kind):
            raise KnowledgeBaseFormatError(f"{where}: {name!r} has the wrong type")


def _lookup(slugs: list, known: dict, what: str, where: str) -> list:
    missing = [slug for slug in slugs if slug not in known]
    if missing:
        raise KnowledgeBaseFormatError(f"{where}: unknown {what} {missing[0]!r}")
    return [known[slug] for slug in slugs]


def _date(value: str | None, name: str, where: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise KnowledgeBaseFormatError(f"{where}: {name} {value!r} is not a date") from None


def _datetime(value: str | None, name: str, where: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise KnowledgeBaseFormatError(f"{where}: {name} {value!r} is not a timestamp") from None
    if moment.tzinfo is None:
        raise KnowledgeBaseFormatError(f"{where}: {name} {value!r} has no time zone offset")
    return moment


def _where(what: str, record, index: int) -> str:
    slug = record.get("slug") if isinstance(record, dict) else None
    return f"{what} {slug!r}" if isinstance(slug, str) else f"{what} #{index + 1}"
