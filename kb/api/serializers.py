"""What the API and the JSON export show of each record: the fields, declared once.

Dates are ISO 8601 (the first day of the period the date is known to) with a
``*_precision`` field beside each; links are absolute; an empty optional link is
``null``. The serializers expect the loading plans of ``kb.api.querysets``.
"""

from __future__ import annotations

import copy
from typing import ClassVar

from django.urls import reverse
from django.utils.functional import cached_property
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kb.models import Announcement, Clause, Party, Status, Topic

# A count read from kb.public.published_counts(): cached, so it may be that old.
CACHED_COUNT = {
    "type": "integer",
    "minimum": 0,
    "description": "Published records counted at most KB_HOME_COUNTS_SECONDS (300 s by "
    "default) ago: the counts are cached.",
}


def name_order(name: str) -> tuple[str, str]:
    """Names in alphabetical order whatever their case, the same on every database."""
    return name.casefold(), name


def clause_parties(clause: Clause) -> list[Party]:
    """The parties a clause concerns: those it names and those of its announcement
    (as the party filter counts them), each once, by name."""
    parties = {party.pk: party for party in clause.parties.all()}
    parties.update((party.pk, party) for party in clause.announcement.parties.all())
    return sorted(parties.values(), key=lambda party: name_order(party.name))


class LinkMaker:
    """Absolute links to one kind of page, for every row of a list or an export:
    ``reverse()`` runs once, with a placeholder, instead of once a row (a third of
    the CPU of a 1,000-row export). ``link(value)`` equals
    ``build_absolute_uri(reverse(route, args=[value]))``."""

    PLACEHOLDER = "987654321"  # valid for both int and slug converters

    def __init__(self, request, route: str):
        path = reverse(route, args=[self.PLACEHOLDER])
        self.before, self.after = request.build_absolute_uri(path).rsplit(self.PLACEHOLDER, 1)

    def __call__(self, value) -> str:
        return f"{self.before}{value}{self.after}"


@extend_schema_field(OpenApiTypes.URI)
class LinkField(serializers.Field):
    """The absolute link of the record's page at ``route`` (a public page, or the
    API's), named by the record's ``lookup`` attribute; one ``LinkMaker`` a route
    for the whole response."""

    def __init__(self, route: str, lookup: str = "slug", **kwargs):
        self.route, self.lookup = route, lookup
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value) -> str:
        makers = self.context.setdefault("link_makers", {})
        if self.route not in makers:
            makers[self.route] = LinkMaker(self.context["request"], self.route)
        return makers[self.route](getattr(value, self.lookup))


class BlankAsNullURLField(serializers.URLField):
    """An optional link: ``null`` rather than the empty string the model keeps."""

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, read_only=True, **kwargs)

    def to_representation(self, value) -> str | None:
        return value or None


class ReadOnlyModelSerializer(serializers.ModelSerializer):
    """Every field is read-only, so the schema marks every field required: each is
    always in the response (``null`` where a value is optional).

    A ModelSerializer builds its fields from the model's metadata (validators,
    uniqueness, choices) for every instance, which costs more CPU than the rows of
    a page; a read-only one needs none of that per instance, so each class builds
    its fields once and each instance gets a copy (as DRF copies declared fields)."""

    _built_fields: ClassVar[dict[type, dict]] = {}

    def get_fields(self):
        built = self._built_fields.get(type(self))
        if built is None:
            built = super().get_fields()
            for field in built.values():
                if not field.read_only:
                    field.read_only = True
                    # what a copy is made from (a read-only field is never "required")
                    field._kwargs["read_only"] = True
                    field._kwargs.pop("required", None)
            self._built_fields[type(self)] = built
        return copy.deepcopy(built)


class PartyRefSerializer(ReadOnlyModelSerializer):
    html_url = LinkField("kb:party")

    class Meta:
        model = Party
        fields = ["slug", "name", "html_url"]


class TopicRefSerializer(ReadOnlyModelSerializer):
    html_url = LinkField("kb:topic")

    class Meta:
        model = Topic
        fields = ["slug", "name", "html_url"]


class AnnouncementRefSerializer(ReadOnlyModelSerializer):
    url = LinkField("api:announcement")
    html_url = LinkField("kb:announcement")

    class Meta:
        model = Announcement
        fields = ["slug", "title", "date", "date_precision", "url", "html_url"]


class AnnouncementSerializer(AnnouncementRefSerializer):
    """An announcement in the list; ``clause_count`` is annotated by the queryset."""

    parties = PartyRefSerializer(many=True)
    source_url = BlankAsNullURLField()
    clause_count = serializers.IntegerField(min_value=0)

    class Meta(AnnouncementRefSerializer.Meta):
        fields = [
            *AnnouncementRefSerializer.Meta.fields,
            "kind",
            "parties",
            "summary",
            "source_url",
            "credit",
            "published_at",
            "clause_count",
        ]


class ClauseRefSerializer(ReadOnlyModelSerializer):
    url = LinkField("api:clause", "pk")
    html_url = LinkField("kb:clause", "pk")

    class Meta:
        model = Clause
        fields = ["id", "heading", "url", "html_url"]


class ClauseSerializer(ClauseRefSerializer):
    """A clause as the API and the JSON export show it."""

    announcement = AnnouncementRefSerializer()
    kind = serializers.ChoiceField(
        source="announcement.kind",
        choices=Announcement._meta.get_field("kind").choices,
        help_text="Kind of the clause's announcement.",
    )
    supersedes = serializers.SerializerMethodField(
        help_text="The earlier clause this one replaces, when it is published."
    )
    superseded_by = ClauseRefSerializer(many=True, source="published_successors")
    topics = TopicRefSerializer(many=True)
    parties = serializers.SerializerMethodField(
        help_text="The parties the clause concerns: those it names and those of its "
        "announcement (as the party filter counts them), each once, by name."
    )

    class Meta(ClauseRefSerializer.Meta):
        fields = [
            *ClauseRefSerializer.Meta.fields,
            "announcement",
            "kind",
            "position",
            "text",
            "effect",
            "effective_from",
            "effective_from_precision",
            "effective_until",
            "effective_until_precision",
            "supersedes",
            "superseded_by",
            "topics",
            "parties",
        ]
        extra_kwargs = {"position": {"min_value": 1}}

    # One serializer for every row's earlier clause and parties: building one (its
    # fields, from the model) costs more than the row it serializes.
    @cached_property
    def _clause_ref(self) -> ClauseRefSerializer:
        return ClauseRefSerializer(context=self.context)

    @cached_property
    def _party_refs(self) -> serializers.ListSerializer:
        return PartyRefSerializer(many=True, context=self.context)

    @extend_schema_field(ClauseRefSerializer(allow_null=True))
    def get_supersedes(self, clause: Clause) -> dict | None:
        earlier = clause.supersedes
        if earlier is None or earlier.announcement.status != Status.PUBLISHED:
            return None
        return self._clause_ref.to_representation(earlier)

    @extend_schema_field(PartyRefSerializer(many=True))
    def get_parties(self, clause: Clause) -> list:
        return self._party_refs.to_representation(clause_parties(clause))


class AnnouncementDetailSerializer(AnnouncementSerializer):
    """An announcement with its text and its clauses in order (``ordered_clauses``)."""

    clauses = ClauseSerializer(many=True, source="ordered_clauses")

    class Meta(AnnouncementSerializer.Meta):
        fields = [*AnnouncementSerializer.Meta.fields, "text", "clauses"]


class TopicSerializer(TopicRefSerializer):
    """A topic; ``clause_counts`` ({topic id: count}) comes in the context."""

    clause_count = serializers.SerializerMethodField()

    class Meta(TopicRefSerializer.Meta):
        fields = [*TopicRefSerializer.Meta.fields, "description", "clause_count"]

    @extend_schema_field(CACHED_COUNT)
    def get_clause_count(self, topic: Topic) -> int:
        return self.context["clause_counts"].get(topic.pk, 0)


class PartySerializer(PartyRefSerializer):
    """A party; ``announcement_counts`` ({party id: count}) comes in the context."""

    website = BlankAsNullURLField()
    announcement_count = serializers.SerializerMethodField()

    class Meta(PartyRefSerializer.Meta):
        fields = [*PartyRefSerializer.Meta.fields, "short_name", "website", "announcement_count"]

    @extend_schema_field(CACHED_COUNT)
    def get_announcement_count(self, party: Party) -> int:
        return self.context["announcement_counts"].get(party.pk, 0)


class RootSerializer(serializers.Serializer):
    """The API's entry points."""

    announcements = serializers.URLField()
    clauses = serializers.URLField()
    topics = serializers.URLField()
    parties = serializers.URLField()
    openapi = serializers.URLField()
    docs = serializers.URLField()


class ErrorSerializer(serializers.Serializer):
    """Every error under /api/: what went wrong, and for a bad parameter, the
    messages of each parameter."""

    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )
