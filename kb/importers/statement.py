"""Read a statement in the seed's plain-text/markdown form into plain dataclasses.

The format (one paragraph per line; blank lines are ignored)::

    Summary of the statement.                       <- preamble: the first line is the summary
    A line repeating text of the body.              <- dropped (later preamble lines are kept
                                                       in the summary unless the body repeats them)
    # Joint Statement from OpenAI and Microsoft     <- title (exactly one)
    Source: [https://example.com/x](https://example.com/x)   <- optional
    Lead paragraph with markdown escapes\\.         <- the statement body (markdown)
    **Bold heading\\.**Clause body\\.               <- a clause; the body may be empty
    Closing paragraph\\.
    Plain summary of a related announcement.        <- after the last markdown line: one
                                                       related announcement per line

The body runs to the last line that carries markdown (an escape such as ``\\.``, bold
``**`` or a ``[link](url)``); the plain-text lines after it are the summaries of
related announcements. Links become their text; their URLs are kept in the
announcement's ``links`` and listed at the end of its full text.

``parse_statement()`` is pure (no database); ``import_statement()`` writes what it
returns in one transaction, idempotently: the statement is found again by its source
URL (by title and date when it has none), a related announcement by title and date
(or, once an editor has retitled it, by its summary), a clause by its position.

One module for one format, its parser (``parse_statement``: no database) and its
writer (``import_statement``), longer than most: the statement's layout (title,
source, bold-headed clauses, related announcements) and the matching of what is
already there are both specific to it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from kb import workflow
from kb.importers.base import FormatError, PartyLookup
from kb.models import Announcement, AnnouncementKind, Clause, Party, Status

MAX_STATEMENT_BYTES = 2 * 1024 * 1024
MAX_TITLE_LENGTH = 500  # Announcement.title
MAX_HEADING_LENGTH = 500  # Clause.heading
MAX_URL_LENGTH = 1000  # Announcement.source_url
TITLE_TARGET_LENGTH = 120  # a derived title longer than this is cut at a word

# Explicit words only, most specific first: an "agreement" inside "memorandum of
# understanding" text must not win.
_KIND_WORDS = [
    (re.compile(r"\bjoint statement\b", re.IGNORECASE), AnnouncementKind.JOINT_STATEMENT),
    (re.compile(r"\bmemorandum of understanding\b|\bMOU\b", re.IGNORECASE), AnnouncementKind.MOU),
    (re.compile(r"\bagreement\b", re.IGNORECASE), AnnouncementKind.AGREEMENT),
    (re.compile(r"\bpress release\b", re.IGNORECASE), AnnouncementKind.PRESS_RELEASE),
]

_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")  # backslash + ASCII punctuation (CommonMark)
_LINK = re.compile(r"\[(?P<text>[^\]\n]*)\]\((?P<url>[^)\s]+)\)")
_BOLD = re.compile(r"\*\*(?P<text>.+?)\*\*")
_TITLE = re.compile(r"^#(?:\s+(?P<title>.*))?$")
_SUBHEADING = re.compile(r"^#{2,6}\s+")
_SOURCE = re.compile(r"^Source:\s*(?P<value>.*)$", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“‘'(])")
# Where a long first sentence can be cut: before a subordinate or coordinate
# clause (", with ...", ", making ...", " that ...", "; ...", " — ...").
_CLAUSE_BOUNDARY = re.compile(
    r",\s+(?:with|while|which|who|and|but|making|allowing|including|as|where|so)\b"
    r"|\s+(?:that|which)\s+|;\s|\s[—–]\s"
)
_MIN_TITLE_WORDS = 5
_TITLE_PARTIES = re.compile(r"\b(?:from|between|by)\s+(?P<names>.+)$", re.IGNORECASE)
_NAME_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*")


class StatementFormatError(FormatError):
    """The text is not a statement in the expected form; ``str()`` names file and line."""


@dataclass(frozen=True)
class Link:
    text: str
    url: str


@dataclass(frozen=True)
class ParsedClause:
    heading: str
    text: str
    line: int


@dataclass(frozen=True)
class ParsedAnnouncement:
    title: str
    kind: str
    summary: str
    line: int
    text: str = ""
    source_url: str = ""
    party_names: tuple[str, ...] = ()
    clauses: tuple[ParsedClause, ...] = ()
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class ParsedStatement:
    statement: ParsedAnnouncement
    related: tuple[ParsedAnnouncement, ...] = ()
    filename: str = "<text>"


def decode_statement(data: bytes, *, filename: str) -> str:
    """The text of a statement file: UTF-8 (a BOM is allowed), at most 2 MB."""
    if len(data) > MAX_STATEMENT_BYTES:
        raise StatementFormatError(
            filename,
            None,
            f"the file is {len(data):,} bytes; a statement may be at most "
            f"{MAX_STATEMENT_BYTES:,} bytes",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise StatementFormatError(
            filename, line, f"the file is not UTF-8 text (byte {data[error.start]:#04x})"
        ) from None


def parse_statement_bytes(data: bytes, *, filename: str = "<text>") -> ParsedStatement:
    return parse_statement(decode_statement(data, filename=filename), filename=filename)


def parse_statement(text: str, *, filename: str = "<text>") -> ParsedStatement:
    """Split a statement into its announcement, clauses and related announcements.

    Raises StatementFormatError (naming file and line) on anything malformed.
    """
    if len(text.encode("utf-8", errors="surrogatepass")) > MAX_STATEMENT_BYTES:
        raise StatementFormatError(
            filename, None, f"the text is longer than {MAX_STATEMENT_BYTES:,} bytes"
        )
    # Split on line breaks only (not str.splitlines(), which also splits on form feeds
    # and Unicode separators), so line numbers match the reader's editor.
    physical_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = [(number, line.strip()) for number, line in enumerate(physical_lines, start=1)]
    for number, line in lines:
        if "\x00" in line:
            raise StatementFormatError(
                filename, number, "the text contains a NUL byte (is this a binary file?)"
            )
        if match := _CONTROL.search(line):
            raise StatementFormatError(
                filename, number, f"the text contains the control character U+{ord(match[0]):04X}"
            )
    paragraphs = [(number, line) for number, line in lines if line]
    if not paragraphs:
        raise StatementFormatError(filename, 1, "the file is empty")

    title_index = _find_title(paragraphs, filename)
    title_line, title_paragraph = paragraphs[title_index]
    title = _plain(_TITLE.match(title_paragraph)["title"] or "", filename, title_line)
    if not title:
        raise StatementFormatError(filename, title_line, "the title line has no title")
    _check_length(title, MAX_TITLE_LENGTH, "title", filename, title_line)

    preamble = paragraphs[:title_index]
    rest = paragraphs[title_index + 1 :]
    source_url = ""
    if rest and (source := _SOURCE.match(rest[0][1])):
        source_url = _source_url(source["value"], filename, rest[0][0])
        rest = rest[1:]
    if not rest:
        raise StatementFormatError(
            filename, title_line, "the statement has no text after its title and source"
        )

    last_markdown = max(
        (index for index, (_, line) in enumerate(rest) if _has_markdown(line)), default=None
    )
    # A statement without any markdown is all body: there is nothing to tell its last
    # paragraph from the summary of a related announcement.
    body_end = len(rest) if last_markdown is None else last_markdown + 1
    body, related_paragraphs = rest[:body_end], rest[body_end:]

    statement_parties = _party_names_from_title(title)
    statement = _statement(
        title=title,
        title_line=title_line,
        source_url=source_url,
        preamble=preamble,
        body=body,
        party_names=statement_parties,
        filename=filename,
    )
    related = tuple(
        _related(number, line, statement_parties, filename) for number, line in related_paragraphs
    )
    _check_no_repeats(related, filename)
    return ParsedStatement(statement=statement, related=related, filename=filename)


def _check_no_repeats(related: tuple[ParsedAnnouncement, ...], filename: str) -> None:
    """Related announcements are found again by title: two with one title would be
    written as two records that no later import could tell apart."""
    first_line: dict[str, int] = {}
    for item in related:
        if item.title in first_line:
            raise StatementFormatError(
                filename,
                item.line,
                f"this related announcement repeats the one on line {first_line[item.title]} "
                f"(title {item.title!r})",
            )
        first_line[item.title] = item.line


def _find_title(paragraphs: list[tuple[int, str]], filename: str) -> int:
    title_indexes = [i for i, (_, line) in enumerate(paragraphs) if _TITLE.match(line)]
    if not title_indexes:
        raise StatementFormatError(filename, None, "no title line ('# Title') found")
    if len(title_indexes) > 1:
        first_line = paragraphs[title_indexes[0]][0]
        raise StatementFormatError(
            filename,
            paragraphs[title_indexes[1]][0],
            f"a second title line; a statement has one title (the first is on line {first_line})",
        )
    return title_indexes[0]


def _source_url(value: str, filename: str, line: int) -> str:
    value = value.strip()
    if link := _LINK.fullmatch(value):
        value = link["url"]
    value = _ESCAPE.sub(r"\1", value)
    if len(value) > MAX_URL_LENGTH:
        raise StatementFormatError(
            filename, line, f"the source URL is longer than {MAX_URL_LENGTH} characters"
        )
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise StatementFormatError(
            filename, line, f"the Source line does not hold an http(s) URL: {value[:200]!r}"
        ) from None
    return value


def _has_markdown(line: str) -> bool:
    return bool(
        _ESCAPE.search(line) or "**" in line or _LINK.search(line) or _SUBHEADING.match(line)
    )


def _statement(
    *,
    title: str,
    title_line: int,
    source_url: str,
    preamble: list[tuple[int, str]],
    body: list[tuple[int, str]],
    party_names: tuple[str, ...],
    filename: str,
) -> ParsedAnnouncement:
    clauses: list[ParsedClause] = []
    links: list[Link] = []
    full_text: list[str] = []
    for number, line in body:
        if line.startswith("**"):
            heading, clause_text = _clause(line, filename, number, links)
            clauses.append(ParsedClause(heading=heading, text=clause_text, line=number))
            full_text.append(f"{heading}. {clause_text}".strip() if clause_text else f"{heading}.")
        else:
            full_text.append(_plain(_SUBHEADING.sub("", line), filename, number, links))
    body_text = "\n\n".join(full_text)

    summary_parts: list[str] = []
    for index, (number, line) in enumerate(preamble):
        paragraph = _plain(line, filename, number)
        # The first preamble paragraph is the summary; a later one that only repeats
        # the body (as the seed's second line repeats clause 1) adds nothing.
        if index == 0 or _normalise(paragraph) not in _normalise(body_text):
            summary_parts.append(paragraph)

    if links:
        listed = "\n".join(f"- {link.text}: {link.url}" for link in links)
        body_text = f"{body_text}\n\nLinks:\n{listed}"
    return ParsedAnnouncement(
        title=title,
        kind=_kind(title, default=AnnouncementKind.OTHER),
        summary="\n\n".join(summary_parts),
        line=title_line,
        text=body_text,
        source_url=source_url,
        party_names=party_names,
        clauses=tuple(clauses),
        links=tuple(links),
    )


def _clause(line: str, filename: str, number: int, links: list[Link]) -> tuple[str, str]:
    closing = line.find("**", 2)
    if closing == -1:
        raise StatementFormatError(filename, number, "a bold heading ('**...') is never closed")
    heading = _plain(line[2:closing], filename, number, links).rstrip()
    heading = heading[:-1].rstrip() if heading.endswith((".", ":")) else heading
    if not heading:
        raise StatementFormatError(filename, number, "a bold heading is empty")
    _check_length(heading, MAX_HEADING_LENGTH, "clause heading", filename, number)
    return heading, _plain(line[closing + 2 :], filename, number, links).strip()


def _plain(text: str, filename: str, number: int, links: list[Link] | None = None) -> str:
    """Markdown inline text as plain text: links become their text, bold markers and
    escapes go. A link glued to the word before it (a lost space) gets its space back."""

    def link_text(match: re.Match) -> str:
        label = _ESCAPE.sub(r"\1", match["text"]).strip()
        if links is not None:
            links.append(Link(text=label or match["url"], url=match["url"]))
        before = match.string[match.start() - 1] if match.start() > 0 else " "
        glue = " " if before.isalnum() and label[:1].isalnum() else ""
        return glue + (label or match["url"])

    text = _LINK.sub(link_text, text)
    text = _BOLD.sub(lambda match: match["text"], text)
    unescaped = _ESCAPE.sub(r"\1", text)
    if "**" in text.replace(r"\*", ""):
        raise StatementFormatError(filename, number, "bold text ('**...') is never closed")
    return unescaped.strip()


def _related(
    number: int, line: str, statement_parties: tuple[str, ...], filename: str
) -> ParsedAnnouncement:
    first_sentence = _SENTENCE_END.split(line, maxsplit=1)[0]
    title = derive_title(first_sentence)
    _check_length(title, MAX_TITLE_LENGTH, "title", filename, number)
    return ParsedAnnouncement(
        title=title,
        kind=_kind(first_sentence, default=AnnouncementKind.OTHER),
        summary=line,
        line=number,
        party_names=tuple(
            name for name in statement_parties if re.search(rf"\b{re.escape(name)}\b", line)
        ),
    )


def derive_title(sentence: str) -> str:
    """A title from a summary's first sentence, cut at the first clause boundary that
    leaves at least a few words, and at a word if it is still long."""
    sentence = sentence.strip().rstrip(".!?").strip()
    for boundary in _CLAUSE_BOUNDARY.finditer(sentence):
        candidate = sentence[: boundary.start()].strip()
        if len(candidate.split()) >= _MIN_TITLE_WORDS:
            sentence = candidate
            break
    if len(sentence) > TITLE_TARGET_LENGTH:
        sentence = sentence[:TITLE_TARGET_LENGTH].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return sentence


def _kind(text: str, *, default: str) -> str:
    for pattern, kind in _KIND_WORDS:
        if pattern.search(text):
            return kind
    return default


def _party_names_from_title(title: str) -> tuple[str, ...]:
    """Parties named in a title such as "Joint Statement from OpenAI and Microsoft"."""
    match = _TITLE_PARTIES.search(title)
    if not match:
        return ()
    names = [name.strip() for name in _NAME_SEPARATOR.split(match["names"])]
    return tuple(dict.fromkeys(name for name in names if name[:1].isupper()))


def _normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


def _check_length(value: str, limit: int, what: str, filename: str, line: int) -> None:
    if len(value) > limit:
        raise StatementFormatError(
            filename, line, f"the {what} is {len(value)} characters long; the limit is {limit}"
        )


# Writing -----------------------------------------------------------------------------


class StatementImportError(Exception):
    """A parsed statement that cannot be written as it stands; the message is fit to show."""


@dataclass
class ImportResult:
    statement: Announcement
    related: list[Announcement]
    clause_count: int
    counts: Counter[str]

    def summary(self) -> str:
        counts = self.counts
        return (
            f"1 {self.statement.get_kind_display().lower()} with "
            f"{self.clause_count} clauses, "
            f"{len(self.related)} related announcements; "
            f"announcements: {counts['announcements created']} created, "
            f"{counts['announcements updated']} updated, "
            f"{counts['announcements unchanged']} unchanged; "
            f"clauses: {counts['clauses created']} created, {counts['clauses updated']} updated, "
            f"{counts['clauses unchanged']} unchanged, {counts['clauses removed']} removed; "
            f"parties: {counts['parties created']} created"
        )


def find_existing(parsed: ParsedStatement) -> list[Announcement | None]:
    """The announcements already in the knowledge base that the import would update:
    the statement first, then each related announcement (None where it would create)."""
    return [
        _find_announcement(announcement) for announcement in (parsed.statement, *parsed.related)
    ]


def import_statement(
    *,
    parsed: ParsedStatement,
    status: str = Status.DRAFT,
    user=None,
    drafts_only: bool = False,
) -> ImportResult:
    """Write a parsed statement and its related announcements in one transaction.

    ``status`` is the state of the announcements the import creates; announcements
    already in the knowledge base keep theirs (publishing is a workflow step, not a
    side effect of re-importing). With ``drafts_only`` an announcement that is past
    draft is refused rather than changed (the admin's import saves drafts only).
    Curation is kept: kind, date, slug and status of an existing announcement, and
    the topics, parties, effects and lineage of its clauses are never overwritten.
    """
    counts: Counter[str] = Counter()
    with transaction.atomic():
        names = dict.fromkeys(
            name for item in (parsed.statement, *parsed.related) for name in item.party_names
        )
        lookup = PartyLookup()
        parties = {name: _party(name, lookup, counts) for name in names}
        existing = find_existing(parsed)
        loaded_version = existing[0].version if existing[0] is not None else None
        # Related announcements first, last one first, and the statement last: with
        # their dates unknown, lists ordered newest first (ties by id) then show the
        # statement on top and the related ones in the order the statement gives.
        pairs = list(zip((parsed.statement, *parsed.related), existing, strict=True))
        written: list[Announcement] = []
        for index, (item, current) in reversed(list(enumerate(pairs))):
            announcement = _write_announcement(
                item,
                current,
                status=status,
                user=user,
                parties=[parties[name] for name in item.party_names],
                drafts_only=drafts_only,
                counts=counts,
                update_title=index == 0,
            )
            written.insert(0, announcement)
        statement, loaded = written[0], existing[0]
        clauses_changed = _write_clauses(statement, parsed.statement.clauses, counts)
        if clauses_changed and loaded is not None and statement.version == loaded_version:
            # Its own fields are unchanged, but its change form (clauses inline) is
            # stale too: whoever has it open must reload before saving.
            _claim(statement)
    return ImportResult(
        statement=written[0],
        related=written[1:],
        clause_count=len(parsed.statement.clauses),
        counts=counts,
    )


def _find_announcement(item: ParsedAnnouncement) -> Announcement | None:
    if item.source_url:
        candidates = Announcement.objects.filter(source_url=item.source_url)
    else:
        candidates = Announcement.objects.filter(title=item.title, date__isnull=True, source_url="")
        if not candidates.exists() and item.summary:
            candidates = Announcement.objects.filter(summary=item.summary, source_url="")
    found = list(candidates.order_by("id")[:2])
    if len(found) > 1:
        key = item.source_url or item.title
        raise StatementImportError(
            f"More than one announcement matches {key!r} (ids {found[0].pk} and "
            f"{found[1].pk}); merge them in the admin before importing again."
        )
    return found[0] if found else None


def _party(name: str, lookup: PartyLookup, counts: Counter[str]) -> Party:
    party, new = lookup.get_or_new(name)
    if new:
        _clean(party, f"party {name!r}")
        party.save()
        counts["parties created"] += 1
    return party


def _write_announcement(
    item: ParsedAnnouncement,
    announcement: Announcement | None,
    *,
    status: str,
    user,
    parties: list[Party],
    drafts_only: bool,
    counts: Counter[str],
    update_title: bool,
) -> Announcement:
    values = {"summary": item.summary, "text": item.text, "source_url": item.source_url}
    if announcement is None:
        announcement = Announcement(
            title=item.title,
            slug=_free_slug(item.title),
            kind=item.kind,
            status=status,
            **values,
        )
        if status == Status.PUBLISHED:
            announcement.published_at = timezone.now()
            announcement.published_by = user
        outcome = "created"
    else:
        if drafts_only and announcement.status != Status.DRAFT:
            raise StatementImportError(
                f"{announcement.title!r} is already in the knowledge base and is "
                f"{announcement.get_status_display().lower()}; edit it in the admin instead."
            )
        if update_title:
            values["title"] = item.title
        changed = {name for name, value in values.items() if getattr(announcement, name) != value}
        for name in changed:
            setattr(announcement, name, values[name])
        outcome = "updated" if changed else "unchanged"
    if outcome != "unchanged":
        announcement.updated_by = user
        announcement._history_user = user
        _clean(announcement, f"announcement {item.title!r} (line {item.line})")
        if outcome == "updated":
            _claim(announcement)
        announcement.save()
    counts[f"announcements {outcome}"] += 1
    # Only what is missing: adding parties already there would still write a history row.
    linked = set(announcement.parties.values_list("pk", flat=True))
    if missing := [party for party in parties if party.pk not in linked]:
        announcement.parties.add(*missing)
    return announcement


def _write_clauses(
    announcement: Announcement, clauses: tuple[ParsedClause, ...], counts: Counter[str]
) -> bool:
    """Write the statement's clauses; True if any was created, changed or removed."""
    changed = False
    current = {clause.position: clause for clause in announcement.clauses.all()}
    for position, item in enumerate(clauses, start=1):
        clause = current.get(position)
        if clause is None:
            clause = Clause(announcement=announcement, position=position)
            outcome = "created"
        elif (clause.heading, clause.text) != (item.heading, item.text):
            outcome = "updated"
        else:
            counts["clauses unchanged"] += 1
            continue
        clause.heading, clause.text = item.heading, item.text
        _clean(clause, f"clause {position} {item.heading!r} (line {item.line})")
        if outcome == "updated":
            _claim(clause)
        clause.save()
        counts[f"clauses {outcome}"] += 1
        changed = True
    for position in sorted(p for p in current if p > len(clauses)):
        stale = current[position]
        successor = stale.successors.first()
        if successor is not None:
            raise StatementImportError(
                f"Clause {position} {stale.heading!r} is no longer in the statement, but "
                f"{successor.heading!r} ({successor.announcement}) builds on it; "
                "change that link in the admin first."
            )
        stale.delete()
        counts["clauses removed"] += 1
        changed = True
    return changed


def _claim(record) -> None:
    """A new version for a record the import changes, so that an editor who has it
    open gets a conflict on saving instead of silently reverting the import."""
    try:
        record.version = workflow.claim_version(type(record), record.pk, record.version)
    except workflow.VersionConflict:
        raise StatementImportError(
            f"{record} was saved by someone else during the import; import again."
        ) from None


def _free_slug(title: str) -> str:
    base = slugify(title)[:190].strip("-") or "announcement"
    taken = set(Announcement.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, suffix = base, 2
    while slug in taken:
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


def _clean(instance, what: str) -> None:
    try:
        instance.full_clean()
    except ValidationError as error:
        problems = "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
        )
        raise StatementImportError(f"{what}: {problems}") from None
