"""Parties and topics: the names announcements and clauses are filed under.

They have no status of their own: one is public when a published record uses it.
"""

from django.db import models
from django.db.models import Exists, OuterRef
from django.urls import reverse
from simple_history.models import HistoricalRecords

from kb.limits import (
    ALIASES_MAX_CHARS,
    DESCRIPTION_MAX_CHARS,
    length_constraint,
    text_validators,
    validate_single_line,
)
from kb.models.choices import Status


class PartyQuerySet(models.QuerySet):
    def public(self):
        """Parties named on a published announcement or clause. Any other party is
        not public: one entered only for a draft (an unannounced partner) never
        appears on a public page, in the API or in a form's choices."""
        return self.filter(
            Exists(
                self.model.announcements.through.objects.filter(
                    party_id=OuterRef("pk"), announcement__status=Status.PUBLISHED
                )
            )
            | Exists(
                self.model.clauses.through.objects.filter(
                    party_id=OuterRef("pk"), clause__announcement__status=Status.PUBLISHED
                )
            )
        )


class Party(models.Model):
    name = models.CharField(max_length=200, unique=True, validators=[validate_single_line])
    slug = models.SlugField(max_length=200, unique=True)
    short_name = models.CharField(max_length=100, blank=True, validators=[validate_single_line])
    aliases = models.TextField(
        blank=True,
        help_text="Other names this organisation goes by, one per line.",
        validators=text_validators(ALIASES_MAX_CHARS),
    )
    website = models.URLField(max_length=500, blank=True)
    # The lost-update guard of the admin, as on announcements and clauses.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = PartyQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "parties"
        constraints = [
            length_constraint("party_lengths", name=200, short_name=100, aliases=ALIASES_MAX_CHARS),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("kb:party", kwargs={"slug": self.slug})

    @property
    def alias_list(self) -> list[str]:
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]


class TopicQuerySet(models.QuerySet):
    def public(self):
        """Topics of at least one published clause; any other topic is not public."""
        return self.filter(
            Exists(
                self.model.clauses.through.objects.filter(
                    topic_id=OuterRef("pk"), clause__announcement__status=Status.PUBLISHED
                )
            )
        )


class Topic(models.Model):
    name = models.CharField(max_length=200, unique=True, validators=[validate_single_line])
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True, validators=text_validators(DESCRIPTION_MAX_CHARS))
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = TopicQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            length_constraint("topic_lengths", name=200, description=DESCRIPTION_MAX_CHARS),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("kb:topic", kwargs={"slug": self.slug})
