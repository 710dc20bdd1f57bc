"""What the API and the JSON export show of each record: the fields, declared once.

Dates are ISO 8601 (the first day of the period the date is known to) with a
``*_precision`` field beside each; links are absolute; an empty optional link is
``null``. The serializers expect the loading plans of ``kb.api.querysets``.
"""

from __future__ import annotations

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


@extend_schema_field(OpenApiTypes.URI)
class PageLinkField(serializers.Field):
    """The absolute link of the record's public page (``get_absolute_url()``)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value) -> str:
        return self.context["request"].build_absolute_uri(value.get_absolute_url())


class BlankAsNullURLField(serializers.URLField):
    """An optional link: ``null`` rather than the empty string the model keeps."""

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, read_only=True, **kwargs)

    def to_representation(self, value) -> str | None:
        return value or None


class ReadOnlyModelSerializer(serializers.ModelSerializer):
    """Every field is read-only, so the schema marks every field required: each is
    always in the response (``null`` where a value is optional)."""

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.read_only = True
        return fields


class PartyRefSerializer(ReadOnlyModelSerializer):
    html_url = PageLinkField()

    class Meta:
        model = Party
        fields = ["slug", "name", "html_url"]


class TopicRefSerializer(ReadOnlyModelSerializer):
    html_url = PageLinkField()

    class Meta:
        model = Topic
        fields = ["slug", "name", "html_url"]


class AnnouncementRefSerializer(ReadOnlyModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:announcement", lookup_field="slug")
    html_url = PageLinkField()

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
    url = serializers.HyperlinkedIdentityField(view_name="api:clause")
    html_url = PageLinkField()

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

    @extend_schema_field(ClauseRefSerializer(allow_null=True))
    def get_supersedes(self, clause: Clause) -> dict | None:
        earlier = clause.supersedes
        if earlier is None or earlier.announcement.status != Status.PUBLISHED:
            return None
        return ClauseRefSerializer(earlier, context=self.context).data

    @extend_schema_field(PartyRefSerializer(many=True))
    def get_parties(self, clause: Clause) -> list:
        return PartyRefSerializer(clause_parties(clause), many=True, context=self.context).data


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
