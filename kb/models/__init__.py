"""The records of the knowledge base: parties, topics, announcements and their clauses.

Rules that must always hold are enforced by the database (unique and check
constraints here, triggers in migrations); the ``clean()`` methods repeat the ones
an editor can break so the admin shows a form error instead of an IntegrityError.
Reads are the QuerySet methods next to each model
(``Clause.objects.published().concerning(party)``, ``Party.objects.public()``, ...),
the one definition of each rule.

- ``choices``: statuses, kinds and effects.
- ``vocabularies``: parties and topics.
- ``announcements`` and ``clauses``: the records, each with its QuerySet.

Import from ``kb.models``. Each module imports only those listed before it. The
search change log's tables live with the engine, and dismissed lineage suggestions
with the suggestions (both refer to kb's models by name only); importing them here
registers them with the app.
"""

from kb.lineage_suggestions.models import LineageDismissal
from kb.models.announcements import Announcement, AnnouncementQuerySet
from kb.models.choices import AnnouncementKind, ClauseEffect, Status, choices_constraint
from kb.models.clauses import Clause, ClauseQuerySet, JoinedKey
from kb.models.vocabularies import Party, PartyQuerySet, Topic, TopicQuerySet
from kb.search.models import SearchChange, SearchLogState

__all__ = [
    "Announcement",
    "AnnouncementKind",
    "AnnouncementQuerySet",
    "Clause",
    "ClauseEffect",
    "ClauseQuerySet",
    "JoinedKey",
    "LineageDismissal",
    "Party",
    "PartyQuerySet",
    "SearchChange",
    "SearchLogState",
    "Status",
    "Topic",
    "TopicQuerySet",
    "choices_constraint",
]
