"""CUAD v1 (The Atticus Project, CC BY 4.0): real contracts with expert clause labels.

``parse_cuad()`` and ``parse_categories()`` read the data set's own layout and return
plain dataclasses (no database); ``import_cuad()`` writes them. Each contract becomes a
published announcement of kind "agreement"; each labelled span becomes a clause whose
topics are the categories that label it; the contract text outside the spans is kept
as the announcement's text.

Layout of the directory (as distributed):
- ``category_descriptions.csv``: one row per category, cells prefixed "Category: ",
  "Description: ", ...
- ``master_clauses.csv``: one row per contract; per category a column with a Python
  literal list of the labelled spans and a "-Answer" column with the normalised answer.
- ``full_contract_txt/``: the contract texts, named after the first column (the names
  differ in punctuation, so they are matched on their letters and digits only).

One module for one data set, its parser (``parse_*``: no database) and its writer
(``import_cuad``), longer than most: CUAD's party answers, partial dates and
contract files each need rules of their own, and they belong to this format only.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history

from kb.dates import DatePrecision, PartialDate
from kb.importers.base import (
    FormatError,
    PartyLookup,
    collapse_whitespace,
    normalise_text,
    party_key,
)
from kb.models import Announcement, AnnouncementKind, Clause, Party, Status, Topic

CREDIT = "CUAD v1, The Atticus Project, CC BY 4.0"
CATEGORIES_FILE = "category_descriptions.csv"
MASTER_FILE = "master_clauses.csv"
TEXT_DIR = "full_contract_txt"

# Categories whose spans describe the contract itself (its title, its parties, its
# date) rather than a term of it: they fill the announcement, not clauses.
DOCUMENT_NAME = "Document Name"
PARTIES = "Parties"
AGREEMENT_DATE = "Agreement Date"
EFFECTIVE_DATE = "Effective Date"
METADATA_CATEGORIES = frozenset({DOCUMENT_NAME, PARTIES, AGREEMENT_DATE})

# CUAD joins the parts of a split span with this marker; the parts are shown with an
# ellipsis between them, and each part is cut out of the remaining text on its own.
OMITTED = "<omitted>"
OMISSION_SHOWN = " […] "

HEADING_MAX_WORDS = 10
HEADING_MAX_CHARS = 80
PARTY_NAME_MAX_CHARS = 200
SLUG_MAX_CHARS = 200
# Refused by size before anything is read: CUAD v1's master_clauses.csv is 3.8 MB and
# its longest contract text 0.3 MB.
MAX_CSV_BYTES = 16 * 1024 * 1024
MAX_CONTRACT_TEXT_BYTES = 4 * 1024 * 1024


class CuadFormatError(FormatError):
    """A CUAD file that cannot be read; ``str()`` names the file and line."""


@dataclass(frozen=True)
class CuadCategory:
    name: str
    description: str
    answer_format: str


@dataclass(frozen=True)
class CuadClause:
    text: str
    heading: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class CuadContract:
    filename: str
    line: int
    slug: str
    title: str
    parties: tuple[str, ...]
    date: PartialDate
    clauses: tuple[CuadClause, ...]
    remaining_text: str


# --- small pure helpers ---------------------------------------------------------------


def heading_from_text(text: str) -> str:
    """The clause's own first words, cut at a word boundary ("Licensee shall not …")."""
    heading = ""
    for count, word in enumerate(collapse_whitespace(text).split(" ")):
        candidate = f"{heading} {word}".strip()
        if count >= HEADING_MAX_WORDS or len(candidate) > HEADING_MAX_CHARS:
            return (heading or word[:HEADING_MAX_CHARS]).rstrip(",;:-–—") + " …"
        heading = candidate
    return heading


# A title cell ends in an opening bracket or quote the data set cut off with what
# followed it: "Cooperation Agreement (", "COLLABORATION AGREEMENT (“A".
_UNCLOSED_TAIL = re.compile(r"\s*[(\[][^)\]]*$")
_TITLE_TRAILING = " ,;:-–—(“\"'"


def clean_title(text: str) -> str:
    """A contract's title on one line, without a bracket left open at its end (and
    what the cut left after it) or trailing punctuation."""
    title = collapse_whitespace(text)
    title = _UNCLOSED_TAIL.sub("", title) if title.count("(") > title.count(")") else title
    return title.rstrip(_TITLE_TRAILING)


def slug_for(name: str) -> str:
    """A slug for a name; "/" and "&" separate words ("Rofr/Rofo/Rofn" -> "rofr-rofo-rofn")."""
    return slugify(re.sub(r"[/&_]", " ", name))[:SLUG_MAX_CHARS].strip("-")


def _file_key(name: str) -> str:
    """Letters and digits of a file name without its extension: the data set's PDF names
    and text-file names differ in "&", "'", trailing dots and spaces."""
    name = unicodedata.normalize("NFKD", name)
    name = re.sub(r"\.(pdf|txt)'?$", "", name, flags=re.IGNORECASE)
    return re.sub(r"[\W_]+", "", name).casefold()


# --- dates ------------------------------------------------------------------------------

# "5/8/2014"; unknown parts are "[]" ("[]/[]/2014", "07/[]/2000", "09/14/200[]").
_ANSWER_DATE = re.compile(r"^(?P<month>\d{1,2}|\[\])/(?P<day>\d{1,2}|\[\])/(?P<year>[\d\[\]]+)$")


def parse_answer_date(cell: str) -> PartialDate:
    """A date as CUAD's answer columns give it (mm/dd/yyyy, "[]" for an unknown part).

    The precision is what the cell gives: a day, a month or a year; a year that is not
    fully given makes the date unknown. A cell with several dates ("09/01/2006;
    8/31/2007") gives its first. Raises ValueError on anything else.
    """
    cell = cell.strip()
    if not cell:
        return PartialDate.unknown()
    first = cell.split(";")[0].strip()
    match = _ANSWER_DATE.match(first)
    if not match:
        raise ValueError(f"cannot read date {cell!r}: expected mm/dd/yyyy")
    year, month, day = match["year"], match["month"], match["day"]
    if "[]" in year:
        return PartialDate.unknown()
    if len(year) != 4:
        raise ValueError(f"cannot read date {cell!r}: the year must have four digits")
    known_month = int(month) if month != "[]" else None
    known_day = int(day) if day != "[]" and known_month else None
    try:
        return PartialDate.of(int(year), known_month, known_day)
    except ValueError as error:
        raise ValueError(f"invalid date {cell!r}: {error}") from None


# --- parties ----------------------------------------------------------------------------

# The roles contracts define their parties by; never a party's name on their own.
ROLE_WORDS = frozenset(
    [
        "adviser",
        "advisor",
        "agent",
        "bank",
        "buyer",
        "client",
        "company",
        "consultant",
        "contractor",
        "customer",
        "distributor",
        "franchisee",
        "franchisor",
        "investor",
        "lender",
        "licensee",
        "licensor",
        "manufacturer",
        "partner",
        "provider",
        "purchaser",
        "recipient",
        "reseller",
        "seller",
        "services",
        "sponsor",
        "supplier",
        "talent",
        "trust",
        "vendor",
    ]
)

_QUOTED = re.compile(r"[\"“”]([^\"“”]+)[\"“”]")


def _defined_terms(answer: str) -> set[str]:
    """Slugs of the names the answer defines in quotes ("Company", "Licensor", "MA") and
    does not also give as a party's name."""
    quoted = {slug_for(term) for term in _QUOTED.findall(answer)}
    names = set()
    for part in answer.split(";"):
        name = re.split(r"[(\"“”]", part, maxsplit=1)[0]
        names.add(slug_for(collapse_whitespace(name)))
    return quoted - names


def _looks_like_a_name(item: str) -> bool:
    """Fragments the Parties column also holds: "(each, a "Party" ...)", "collectively,
    the ...", "we", "________", "<<enter Company Name>>"."""
    return (
        len(item) <= PARTY_NAME_MAX_CHARS
        and sum(char.isalpha() for char in item) >= 2
        and (item[0].isupper() or item[0].isdigit())
        and not any(char in item for char in '"“”()<>')
        and re.sub(r"^the ", "", item.casefold()) not in ROLE_WORDS
        and len(set(item.casefold()) - set(" .,")) > 1
    )


def _preference(name: str) -> tuple[bool, int]:
    """Of two spellings of one party, the one not in capitals, then the fuller one
    ("Converge, Inc." rather than "Converge")."""
    return not name.isupper(), len(name)


def parse_parties(spans: list[str], answer: str) -> tuple[str, ...]:
    """The parties' names from the Parties column, without the defined terms the answer
    column puts in quotes and without fragments; names of one party (``party_key()``:
    "E.PIPHANY, INC." / "E.piphany, Inc.", "Microsoft" / "MICROSOFT CORPORATION") are
    one, spelt preferably not in capitals and in full. A name that is the start of
    another party's name in the same contract ("Ingram" beside "Ingram Micro") is
    taken as its short form."""
    defined = _defined_terms(answer)
    by_key: dict[str, str] = {}
    for span in spans:
        name = collapse_whitespace(unicodedata.normalize("NFKC", span)).strip(" ,;:")
        slug = slug_for(name)
        if not slug or not _looks_like_a_name(name) or slug in defined:
            continue
        key = party_key(name)
        current = by_key.get(key)
        if current is None or _preference(name) > _preference(current):
            by_key[key] = name
    slugs = [slug_for(name) for name in by_key.values()]
    return tuple(
        name
        for name, slug in zip(by_key.values(), slugs, strict=True)
        if not any(other.startswith(slug + "-") for other in slugs)
    )


# --- clauses and remaining text -----------------------------------------------------------


def _clauses_and_remaining_text(
    spans_by_category: list[tuple[str, list[str]]], contract_text: str
) -> tuple[tuple[CuadClause, ...], str]:
    categories_by_span: dict[str, list[str]] = {}
    for category, spans in spans_by_category:
        for span in spans:
            span = span.strip()
            if span and category not in categories_by_span.setdefault(span, []):
                categories_by_span[span].append(category)

    cut: list[tuple[int, int]] = []
    placed: list[tuple[int, int, CuadClause]] = []
    for order, (span, categories) in enumerate(categories_by_span.items()):
        parts = [part.strip() for part in span.split(OMITTED) if part.strip()]
        offsets = []
        for part in parts:
            start = contract_text.find(part)
            if start >= 0:
                offsets.append(start)
                cut.append((start, start + len(part)))
        text = OMISSION_SHOWN.join(normalise_text(part) for part in parts)
        heading = heading_from_text(text)
        clause = CuadClause(text=text, heading=heading, categories=tuple(categories))
        # In the contract's order; spans not found in the text follow, in column order.
        placed.append((min(offsets) if offsets else len(contract_text), order, clause))
    clauses = tuple(clause for _, _, clause in sorted(placed, key=lambda item: item[:2]))
    return clauses, _remove(contract_text, cut)


def _remove(text: str, intervals: list[tuple[int, int]]) -> str:
    """The text with the intervals replaced by an omission mark (overlaps merged)."""
    pieces, position = [], 0
    for start, end in sorted(intervals):
        if end <= position:
            continue
        if start > position or not pieces:  # not merely continuing the previous cut
            pieces.append(text[position:start])
            pieces.append(OMISSION_SHOWN.strip())
        position = max(position, end)
    pieces.append(text[position:])
    return normalise_text("".join(pieces))


# --- reading the files ----------------------------------------------------------------------


def _check_size(path: Path, limit: int) -> None:
    size = path.stat().st_size
    if size > limit:
        raise CuadFormatError(path, None, f"the file is {size:,} bytes; the limit is {limit:,}")


def _open_csv(path: Path):
    if not path.is_file():
        raise CuadFormatError(path, None, "no such file")
    _check_size(path, MAX_CSV_BYTES)
    return path.open(encoding="utf-8-sig", newline="")


def _records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) of each record; records may span lines."""
    with _open_csv(path) as handle:
        reader = csv.reader(handle)
        line = 1
        try:
            for cells in reader:
                yield line, cells
                line = reader.line_num + 1
        except (csv.Error, UnicodeDecodeError) as error:
            raise CuadFormatError(path, line, str(error)) from None


def _strip_label(cell: str, label: str) -> str:
    cell = cell.strip()
    prefix = f"{label}:"
    return cell[len(prefix) :].strip() if cell.startswith(prefix) else cell


def parse_categories(directory: Path | str) -> list[CuadCategory]:
    """The categories of ``category_descriptions.csv``, in file order."""
    path = Path(directory) / CATEGORIES_FILE
    categories: list[CuadCategory] = []
    records = _records(path)
    next(records, None)  # the header
    for line, cells in records:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) < 3:
            raise CuadFormatError(
                path,
                line,
                f"expected category, description and answer format, found {len(cells)} cell(s)",
            )
        name = _strip_label(cells[0], "Category")
        if not name:
            raise CuadFormatError(path, line, "the category has no name")
        categories.append(
            CuadCategory(
                name=name,
                description=_strip_label(cells[1], "Description"),
                answer_format=_strip_label(cells[2], "Answer Format"),
            )
        )
    if not categories:
        raise CuadFormatError(path, None, "no categories")
    return categories


def count_contracts(directory: Path | str) -> int:
    """The number of contract rows of ``master_clauses.csv`` (for a progress bar)."""
    records = _records(Path(directory) / MASTER_FILE)
    next(records, None)  # the header
    return sum(1 for _, cells in records if any(cell.strip() for cell in cells))


def _span_list(path: Path, line: int, column: str, cell: str) -> list[str]:
    try:
        value = ast.literal_eval(cell) if cell.strip() else []
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        value = None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise CuadFormatError(
            path,
            line,
            f"column {column!r}: expected a list of texts like ['...', '...'], found {cell[:60]!r}",
        )
    return value


def parse_cuad(
    directory: Path | str,
    *,
    categories: list[CuadCategory] | None = None,
    limit: int | None = None,
) -> Iterator[CuadContract]:
    """The contracts of a CUAD directory, in the order of ``master_clauses.csv``.

    Raises CuadFormatError (naming the file and line) on the first bad record.
    """
    directory = Path(directory)
    categories = categories if categories is not None else parse_categories(directory)
    path = directory / MASTER_FILE
    text_dir = directory / TEXT_DIR
    if not text_dir.is_dir():
        raise CuadFormatError(text_dir, None, "no such directory")
    texts = {_file_key(file.name): file for file in text_dir.iterdir() if file.suffix == ".txt"}

    records = _records(path)
    try:
        _, header = next(records)
    except StopIteration:
        raise CuadFormatError(path, None, "the file is empty") from None
    columns = {collapse_whitespace(name).casefold(): index for index, name in enumerate(header)}

    def column(name: str) -> int:
        index = columns.get(name.casefold())
        if index is None:
            raise CuadFormatError(path, 1, f"no column {name!r}")
        return index

    def answer_column(name: str) -> int:
        for spelling in (f"{name}-Answer", f"{name}- Answer"):
            if spelling.casefold() in columns:
                return columns[spelling.casefold()]
        raise CuadFormatError(path, 1, f"no column {name + '-Answer'!r}")

    filename_at = column("Filename")
    needed = [DOCUMENT_NAME, PARTIES, AGREEMENT_DATE, EFFECTIVE_DATE]
    spans_at = {name: column(name) for name in needed}
    answers_at = {name: answer_column(name) for name in needed}
    clause_columns = [
        (category.name, column(category.name))
        for category in categories
        if category.name not in METADATA_CATEGORIES
    ]

    seen_slugs: dict[str, int] = {}
    for line, cells in itertools.islice(records, limit):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            raise CuadFormatError(path, line, f"expected {len(header)} cells, found {len(cells)}")
        filename = cells[filename_at].strip()
        text_file = texts.get(_file_key(filename))
        if not filename or text_file is None:
            raise CuadFormatError(path, line, f"no contract text for {filename!r} in {text_dir}")
        _check_size(text_file, MAX_CONTRACT_TEXT_BYTES)
        try:
            contract_text = text_file.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise CuadFormatError(text_file, None, f"not UTF-8 text ({error})") from None

        slug = slug_for(Path(filename).stem)
        if slug in seen_slugs:
            raise CuadFormatError(
                path, line, f"contract {filename!r} repeats line {seen_slugs[slug]}"
            )
        seen_slugs[slug] = line

        def spans(name: str, index: int) -> list[str]:
            return _span_list(path, line, name, cells[index])  # noqa: B023 (used at once)

        date = PartialDate.unknown()
        for name in (AGREEMENT_DATE, EFFECTIVE_DATE):
            try:
                date = parse_answer_date(cells[answers_at[name]])
            except ValueError as error:
                raise CuadFormatError(path, line, f"column {name + '-Answer'!r}: {error}") from None
            if date.precision != DatePrecision.UNKNOWN:
                break

        title_spans = spans(DOCUMENT_NAME, spans_at[DOCUMENT_NAME])
        title = clean_title(cells[answers_at[DOCUMENT_NAME]])
        title = title or clean_title(title_spans[0] if title_spans else "")
        title = title or collapse_whitespace(Path(filename).stem)

        clauses, remaining_text = _clauses_and_remaining_text(
            [(name, spans(name, index)) for name, index in clause_columns], contract_text
        )
        yield CuadContract(
            filename=filename,
            line=line,
            slug=slug,
            title=title[:500],
            parties=parse_parties(spans(PARTIES, spans_at[PARTIES]), cells[answers_at[PARTIES]]),
            date=date,
            clauses=clauses,
            remaining_text=remaining_text,
        )


# --- writing ----------------------------------------------------------------------------------


@dataclass
class CuadImportCounts:
    contracts_created: int = 0
    contracts_already_there: int = 0
    clauses_created: int = 0
    parties_created: int = 0
    topics_created: int = 0


def import_cuad(
    *,
    categories: list[CuadCategory],
    contracts: Iterable[CuadContract],
    batch_size: int = 100,
    on_contract: Callable[[CuadContract], None] | None = None,
) -> CuadImportCounts:
    """Write the contracts in one transaction: a bad record or a database error half-way
    leaves the database as it was, never a half-imported contract.

    Natural keys make a re-run change nothing: a contract whose announcement slug exists
    is left as it is (an editor may have corrected it since), topics are found by slug
    or name and parties by ``PartyLookup`` (one party for one name, whichever importer
    made it) before any is created.
    """
    counts = CuadImportCounts()
    now = timezone.now()
    with transaction.atomic():
        topics = _ensure_topics(categories, counts)
        parties = PartyLookup()
        for batch in itertools.batched(contracts, batch_size):
            _import_batch(batch, topics, parties, now, counts)
            if on_contract:
                for contract in batch:
                    on_contract(contract)
    return counts


def _ensure_topics(categories: list[CuadCategory], counts: CuadImportCounts) -> dict[str, Topic]:
    wanted = {
        category.name: category
        for category in categories
        if category.name not in METADATA_CATEGORIES
    }
    slugs = {slug_for(name): name for name in wanted}
    topics: dict[str, Topic] = {}
    for topic in Topic.objects.filter(slug__in=slugs) | Topic.objects.filter(name__in=wanted):
        topics[topic.name if topic.name in wanted else slugs[topic.slug]] = topic
    missing = [
        Topic(name=name, slug=slug_for(name), description=category.description)
        for name, category in wanted.items()
        if name not in topics
    ]
    for topic in missing:
        _check(topic, CATEGORIES_FILE, None, f"category {topic.name!r}")
    for topic in bulk_create_with_history(
        missing, Topic, default_change_reason="Imported from CUAD v1"
    ):
        topics[topic.name] = topic
    counts.topics_created += len(missing)
    return topics


def _ensure_parties(
    contracts: Iterable[CuadContract], parties: PartyLookup, counts: CuadImportCounts
) -> None:
    missing = []
    for contract in contracts:
        for name in contract.parties:
            party, new = parties.get_or_new(name)
            if new:
                _check(party, MASTER_FILE, contract.line, f"{contract.filename}, party {name!r}")
                missing.append(party)
    bulk_create_with_history(missing, Party, default_change_reason="Imported from CUAD v1")
    counts.parties_created += len(missing)


def _import_batch(
    batch: tuple[CuadContract, ...],
    topics: dict[str, Topic],
    parties: PartyLookup,
    now: dt.datetime,
    counts: CuadImportCounts,
) -> None:
    existing = set(
        Announcement.objects.filter(slug__in=[contract.slug for contract in batch]).values_list(
            "slug", flat=True
        )
    )
    new = [contract for contract in batch if contract.slug not in existing]
    counts.contracts_already_there += len(batch) - len(new)
    if not new:
        return
    _ensure_parties(new, parties, counts)

    announcements = [
        Announcement(
            title=contract.title,
            slug=contract.slug,
            kind=AnnouncementKind.AGREEMENT,
            date=contract.date.date,
            date_precision=contract.date.precision,
            text=contract.remaining_text,
            credit=CREDIT,
            status=Status.PUBLISHED,
            published_at=now,
        )
        for contract in new
    ]
    for contract, announcement in zip(new, announcements, strict=True):
        _check(announcement, MASTER_FILE, contract.line, contract.filename)
    announcements = bulk_create_with_history(
        announcements, Announcement, default_change_reason="Imported from CUAD v1"
    )
    by_slug = {announcement.slug: announcement for announcement in announcements}

    AnnouncementParty = Announcement.parties.through
    AnnouncementParty.objects.bulk_create(
        AnnouncementParty(announcement=by_slug[contract.slug], party=party)
        for contract in new
        # Each once: two names of a contract may be one party's (an alias).
        for party in dict.fromkeys(parties.find(name) for name in contract.parties)
    )

    clauses = [
        Clause(
            announcement=by_slug[contract.slug],
            position=position,
            heading=clause.heading,
            text=clause.text,
        )
        for contract in new
        for position, clause in enumerate(contract.clauses, start=1)
    ]
    contract_of_clause = (contract for contract in new for _ in contract.clauses)
    for contract, clause in zip(contract_of_clause, clauses, strict=True):
        _check(
            clause,
            MASTER_FILE,
            contract.line,
            f"{contract.filename}, clause {clause.position} {clause.heading!r}",
        )
    clauses = bulk_create_with_history(
        clauses, Clause, default_change_reason="Imported from CUAD v1"
    )
    labels = (clause.categories for contract in new for clause in contract.clauses)
    ClauseTopic = Clause.topics.through
    ClauseTopic.objects.bulk_create(
        ClauseTopic(clause=row, topic=topics[category])
        for row, categories in zip(clauses, labels, strict=True)
        for category in categories
    )
    counts.contracts_created += len(new)
    counts.clauses_created += len(clauses)


def _check(instance, filename: str, line: int | None, what: str) -> None:
    """The model's field rules (dates, lengths, characters), as a CuadFormatError
    naming the file and line; the import's transaction then writes nothing."""
    try:
        instance.clean_fields(exclude={"announcement"} if isinstance(instance, Clause) else None)
    except ValidationError as error:
        problems = "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
        )
        raise CuadFormatError(filename, line, f"{what}: {problems}") from None
