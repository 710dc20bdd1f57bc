"""Clauses: the terms of an announcement, their topics and parties, and their
lineage (a clause supersedes an earlier one)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, Expression, F, OuterRef, Prefetch, Q
from django.db.models.expressions import Col
from django.urls import reverse
from simple_history.models import HistoricalRecords

from kb.dates import (
    DatePrecision,
    PartialDate,
    date_range_constraint,
    precision_constraint,
    validate_record_date,
)
from kb.limits import (
    CLAUSE_TEXT_MAX_CHARS,
    length_constraint,
    text_validators,
    validate_single_line,
)
from kb.models.announcements import Announcement
from kb.models.choices import ClauseEffect, Status, choices_constraint
from kb.models.vocabularies import Party, Topic


class JoinedKey(Expression):
    """The primary key of a related row, read from the joined table.

    Django reads ``F("announcement__id")`` from the clause's own ``announcement_id``
    column, which is the same value, but SQLite's planner then cannot walk the
    announcements' ``(status, date)`` index (whose rows end with the id) in the
    order asked for: it sorts every clause of a date instead (all of them when the
    dates are unknown). Ordering by the joined table's own id lets it stop after
    one page, whatever the number of clauses.
    """

    def __init__(self, relation: str):
        super().__init__()
        self.relation = relation

    def resolve_expression(
        self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False
    ):
        joined = query.setup_joins(
            [self.relation, "pk"], query.get_meta(), query.get_initial_alias()
        )
        return Col(joined.joins[-1], joined.targets[0])


class ClauseQuerySet(models.QuerySet):
    def published(self):
        return self.filter(announcement__status=Status.PUBLISHED)

    def concerning(self, party: Party):
        """Clauses that bind ``party``: named on the clause or on its announcement.

        Two uncorrelated id lists ("pk IN (link table ids)"), each read once from its
        link table's (party, owner) index (migration 0009), rather than an EXISTS
        probe per clause: a list in its own order would otherwise probe every
        clause when few bind the party."""
        return self.filter(
            Q(pk__in=Clause.parties.through.objects.filter(party=party).values("clause_id"))
            | Q(
                announcement_id__in=Announcement.parties.through.objects.filter(party=party).values(
                    "announcement_id"
                )
            )
        )

    def on_topic(self, topic: Topic):
        """Clauses on ``topic``. An EXISTS probe of the link table's (clause, topic)
        key per clause: a topic's timeline and the in-force page then walk the
        announcements' index in their order and stop after a page."""
        return self.filter(
            Exists(Clause.topics.through.objects.filter(clause_id=OuterRef("pk"), topic=topic))
        )

    def in_document_order(self):
        return self.order_by("announcement_id", "position")

    def newest_first(self):
        return self.order_by(
            F("announcement__date").desc(nulls_last=True),
            JoinedKey("announcement").desc(),
            "position",
        )

    def for_list(self):
        """The loading plan of every list of clauses: one query for the clauses and
        their announcements, one each for topics and parties."""
        return self.select_related("announcement").prefetch_related(
            Prefetch("topics", queryset=Topic.objects.only("name", "slug")),
            Prefetch("parties", queryset=Party.objects.only("name", "slug")),
            Prefetch("announcement__parties", queryset=Party.objects.only("name", "slug")),
        )

    def for_cards(self):
        """``for_list()`` plus what each clause card links to: the clause it
        supersedes, and the published clauses that supersede it
        (``published_successors``, oldest first)."""
        return (
            self.for_list()
            .select_related("supersedes__announcement")
            .prefetch_related(
                Prefetch(
                    "successors",
                    queryset=Clause.objects.published()
                    .select_related("announcement")
                    .order_by(
                        F("announcement__date").asc(nulls_last=True),
                        "announcement_id",
                        "position",
                    ),
                    to_attr="published_successors",
                )
            )
        )

    def in_force_on(self, day: dt.date):
        """The terms in force on ``day``: for each lineage, the clause that started on
        or before the day, has not ended, and has no published successor that had
        started by then. A "removed" clause ends its lineage and is never in force.

        A clause starts at its ``effective_from`` or, failing that, at its
        announcement's date; a clause whose start is unknown counts as started.
        """
        return (
            self.filter(_started_by(day, prefix=""))
            .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=day))
            .exclude(effect=ClauseEffect.REMOVED)
            .exclude(
                Exists(
                    Clause.objects.published()
                    .filter(supersedes=OuterRef("pk"))
                    .filter(_started_by(day, prefix=""))
                )
            )
        )


def _started_by(day: dt.date, *, prefix: str) -> Q:
    return (
        Q(**{f"{prefix}effective_from__lte": day})
        | Q(**{f"{prefix}effective_from__isnull": True, f"{prefix}announcement__date__lte": day})
        | Q(
            **{
                f"{prefix}effective_from__isnull": True,
                f"{prefix}announcement__date__isnull": True,
            }
        )
    )


class Clause(models.Model):
    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="clauses")
    position = models.PositiveIntegerField(help_text="Order within the announcement, from 1.")
    heading = models.CharField(max_length=500, validators=[validate_single_line])
    text = models.TextField(blank=True, validators=text_validators(CLAUSE_TEXT_MAX_CHARS))
    topics = models.ManyToManyField(Topic, blank=True, related_name="clauses")
    parties = models.ManyToManyField(
        Party, blank=True, related_name="clauses", help_text="The parties this clause binds."
    )
    effect = models.CharField(max_length=10, choices=ClauseEffect.choices, default=ClauseEffect.NEW)
    effective_from = models.DateField(
        null=True,
        blank=True,
        help_text="First day the clause applies (first day of the period).",
        validators=[validate_record_date],
    )
    effective_from_precision = models.CharField(
        max_length=10, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN
    )
    effective_until = models.DateField(
        null=True,
        blank=True,
        help_text='Last day the clause applies ("through 2032" is 31 December 2032).',
        validators=[validate_record_date],
    )
    effective_until_precision = models.CharField(
        max_length=10, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN
    )
    supersedes = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="successors",
        help_text="The earlier clause this one reaffirms, amends or removes.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ClauseQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[topics, parties])

    class Meta:
        ordering = ["announcement_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "position"],
                name="clause_unique_position",
                violation_error_message="Another clause of this announcement has this position.",
            ),
            models.CheckConstraint(condition=Q(position__gte=1), name="clause_position_positive"),
            choices_constraint("effect", ClauseEffect, "clause_effect_valid"),
            precision_constraint(
                "effective_from", "effective_from_precision", "clause_from_precision"
            ),
            precision_constraint(
                "effective_until", "effective_until_precision", "clause_until_precision"
            ),
            date_range_constraint(
                "effective_from", "effective_until", name="clause_dates_in_range"
            ),
            length_constraint("clause_lengths", heading=500, text=CLAUSE_TEXT_MAX_CHARS),
            models.CheckConstraint(
                condition=Q(effective_from__isnull=True)
                | Q(effective_until__isnull=True)
                | Q(effective_until__gte=F("effective_from")),
                name="clause_until_after_from",
                violation_error_message="A clause cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=Q(supersedes__isnull=True) | ~Q(supersedes=F("id")),
                name="clause_not_self_superseding",
                violation_error_message="A clause cannot supersede itself.",
            ),
        ]
        indexes = [
            # Successor lookups (clause cards, "in force on"). Only the few clauses
            # that supersede another are in it, so its statistics tell the planner
            # it is selective; with the plain FK index, where nearly every key is
            # NULL, SQLite's ANALYZE figures make it scan every published clause
            # once per clause instead: a cost quadratic in the clauses.
            models.Index(
                fields=["supersedes"],
                name="clause_supersedes_set",
                condition=Q(supersedes__isnull=False),
            ),
            # A clause's announcement and position by its id, without reading the
            # row and its text: topic and party lists read these for every clause
            # of the topic or party to sort or filter them, and so do searches that
            # start from the clauses a filter leaves.
            models.Index(fields=["id", "announcement", "position"], name="clause_id_announcement"),
            models.Index(fields=["effect"], name="clause_effect"),
            models.Index(fields=["effective_from"], name="clause_effective_from"),
            models.Index(fields=["effective_until"], name="clause_effective_until"),
        ]

    def __str__(self) -> str:
        return self.heading

    def get_absolute_url(self) -> str:
        return reverse("kb:clause", kwargs={"pk": self.pk})

    @property
    def anchor(self) -> str:
        return f"clause-{self.position}"

    @property
    def effective_from_date(self) -> PartialDate:
        return PartialDate(self.effective_from, self.effective_from_precision)

    @property
    def effective_until_date(self) -> PartialDate:
        return PartialDate(self.effective_until, self.effective_until_precision)

    def clean(self) -> None:
        super().clean()
        earlier = self.supersedes
        if earlier is None:
            return
        if self.pk and earlier.pk == self.pk:
            raise ValidationError({"supersedes": "A clause cannot supersede itself."})
        later_date = self.announcement.date if self.announcement_id else None
        if earlier.announcement.date and later_date and earlier.announcement.date > later_date:
            raise ValidationError(
                {"supersedes": "A clause cannot supersede a clause of a later announcement."}
            )
        if self.pk and self.pk in earlier.lineage_ancestor_ids():
            raise ValidationError({"supersedes": "This link would make the lineage a loop."})

    def lineage_ancestor_ids(self) -> list[int]:
        """Ids of the clauses this one descends from, nearest first (loop-safe)."""
        ids: list[int] = []
        seen = {self.pk}
        current = self.supersedes_id
        while current is not None and current not in seen:
            ids.append(current)
            seen.add(current)
            current = (
                Clause.objects.filter(pk=current).values_list("supersedes_id", flat=True).first()
            )
        return ids
