"""Announcements: a statement, press release, agreement or filing, with its parties."""

from django.conf import settings
from django.db import models
from django.db.models import F, Prefetch, Q
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
    ANNOUNCEMENT_TEXT_MAX_CHARS,
    SUMMARY_MAX_CHARS,
    length_constraint,
    text_validators,
    validate_single_line,
)
from kb.models.choices import AnnouncementKind, Status, choices_constraint
from kb.models.vocabularies import Party


class AnnouncementQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def newest_first(self):
        return self.order_by(F("date").desc(nulls_last=True), "-id")

    def for_list(self):
        return self.prefetch_related(
            Prefetch("parties", queryset=Party.objects.only("name", "slug"))
        )


class Announcement(models.Model):
    title = models.CharField(max_length=500, validators=[validate_single_line])
    slug = models.SlugField(max_length=200, unique=True)
    kind = models.CharField(
        max_length=20, choices=AnnouncementKind.choices, default=AnnouncementKind.OTHER
    )
    parties = models.ManyToManyField(Party, blank=True, related_name="announcements")
    date = models.DateField(
        null=True,
        blank=True,
        help_text="First day of the period the date is known to.",
        validators=[validate_record_date],
    )
    date_precision = models.CharField(
        max_length=10, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN
    )
    source_url = models.URLField(max_length=1000, blank=True)
    summary = models.TextField(blank=True, validators=text_validators(SUMMARY_MAX_CHARS))
    text = models.TextField(
        blank=True,
        help_text="The full text of the announcement.",
        validators=text_validators(ANNOUNCEMENT_TEXT_MAX_CHARS),
    )
    credit = models.CharField(
        max_length=500,
        blank=True,
        help_text="Attribution shown on the public page, e.g. the data set and its licence.",
        validators=[validate_single_line],
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Incremented on every save through the admin; a save that started from an
    # older version is refused (no lost updates between two editors).
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = AnnouncementQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[parties])

    class Meta:
        ordering = [F("date").desc(nulls_last=True), "-id"]
        constraints = [
            choices_constraint("kind", AnnouncementKind, "announcement_kind_valid"),
            choices_constraint("status", Status, "announcement_status_valid"),
            precision_constraint("date", "date_precision", "announcement_date_precision"),
            date_range_constraint("date", name="announcement_date_in_range"),
            length_constraint(
                "announcement_lengths",
                title=500,
                summary=SUMMARY_MAX_CHARS,
                text=ANNOUNCEMENT_TEXT_MAX_CHARS,
                credit=500,
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.PUBLISHED) | Q(published_at__isnull=False),
                name="announcement_published_has_timestamp",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "date"], name="announcement_status_date"),
            models.Index(fields=["kind"], name="announcement_kind"),
            # MIN/MAX of the date (the admin's year filter and date hierarchy) and
            # newest-first lists without a status filter read this index.
            models.Index(fields=["date"], name="announcement_date"),
            # Every published() filter and date range on clauses joins here by id for
            # these columns: this index answers without reading the row (status is
            # stored after the full text, so on an imported contract reading it
            # walks the text's overflow pages).
            models.Index(
                fields=["id", "status", "date", "date_precision"],
                name="announcement_id_status_date",
            ),
            # The API's list and the announcements feed: latest published first. Partial,
            # because a second index led by status would compete with the one above in
            # SQLite's choice for every clause list, and without statistics SQLite may
            # take it and sort every in-force clause (docs/decisions/query-plans.md).
            models.Index(
                fields=["published_at"],
                condition=Q(status=Status.PUBLISHED),
                name="announcement_published_latest",
            ),
        ]
        # The editorial roles (groups created in migration 0004) are built from these.
        permissions = [
            ("publish_announcement", "Can publish, retract and edit published announcements"),
            ("view_audit_log", "Can see the audit page of all changes"),
            ("read_site", "Can read the public pages when the site requires login"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("kb:announcement", kwargs={"slug": self.slug})

    @property
    def partial_date(self) -> PartialDate:
        return PartialDate(self.date, self.date_precision)

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED
