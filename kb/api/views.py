"""Read-only views: GET and HEAD (and OPTIONS) only; anything else is a 405."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, generics
from rest_framework.response import Response
from rest_framework.views import APIView

from kb.api import serializers
from kb.api.filters import SLUG_PATTERN, ClauseFilterBackend
from kb.api.querysets import (
    announcement_with_clauses,
    published_announcements,
    published_clauses,
)
from kb.filters import ClauseFilter
from kb.models import Party, Topic
from kb.public import published_counts

NOT_FOUND = OpenApiResponse(serializers.ErrorSerializer, "No published record here.")
BAD_REQUEST = OpenApiResponse(serializers.ErrorSerializer, "Invalid parameters.")
LIST_ERRORS = {400: BAD_REQUEST, 404: NOT_FOUND}
DETAIL_ERRORS = {404: NOT_FOUND}


@extend_schema_view(
    get=extend_schema(
        summary="Published announcements, newest published first.",
        responses={200: serializers.AnnouncementSerializer(many=True), **LIST_ERRORS},
    )
)
class AnnouncementList(generics.ListAPIView):
    queryset = published_announcements()
    serializer_class = serializers.AnnouncementSerializer


@extend_schema_view(
    get=extend_schema(
        summary="A published announcement with its clauses in order.",
        parameters=[
            OpenApiParameter(
                "slug",
                {"type": "string", "pattern": SLUG_PATTERN},
                OpenApiParameter.PATH,
                description="The announcement's slug.",
            )
        ],
        responses={200: serializers.AnnouncementDetailSerializer, **DETAIL_ERRORS},
    )
)
class AnnouncementDetail(generics.RetrieveAPIView):
    queryset = announcement_with_clauses()
    serializer_class = serializers.AnnouncementDetailSerializer
    lookup_field = "slug"


@extend_schema_view(
    get=extend_schema(
        summary="Published clauses, found and filtered like the search page.",
        description="With `q`, the best matches come first (unless `sort` says "
        "otherwise); without it, the newest announcements' clauses. The count is exact.",
        responses={200: serializers.ClauseSerializer(many=True), **LIST_ERRORS},
    )
)
class ClauseList(generics.ListAPIView):
    queryset = published_clauses()
    serializer_class = serializers.ClauseSerializer
    filter_backends = [ClauseFilterBackend]
    filterset_class = ClauseFilter


@extend_schema_view(
    get=extend_schema(
        summary="A published clause.",
        parameters=[
            OpenApiParameter(
                "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The clause's id."
            )
        ],
        responses={200: serializers.ClauseSerializer, **DETAIL_ERRORS},
    )
)
class ClauseDetail(generics.RetrieveAPIView):
    queryset = published_clauses()
    serializer_class = serializers.ClauseSerializer


# The counts come from kb.public.published_counts(): cached, so at most
# KB_HOME_COUNTS_SECONDS old (the schema says so), where counting on every request
# made these the slowest pages of the load test.
@extend_schema_view(
    get=extend_schema(
        summary="Topics with published clauses, by name.",
        responses={200: serializers.TopicSerializer(many=True), **LIST_ERRORS},
    )
)
class TopicList(generics.ListAPIView):
    serializer_class = serializers.TopicSerializer

    def get_queryset(self):
        return Topic.objects.public().order_by("name", "id")

    def get_serializer_context(self):
        clause_counts, _ = published_counts()
        return {**super().get_serializer_context(), "clause_counts": clause_counts}


@extend_schema_view(
    get=extend_schema(
        summary="Parties of published records, by name.",
        responses={200: serializers.PartySerializer(many=True), **LIST_ERRORS},
    )
)
class PartyList(generics.ListAPIView):
    serializer_class = serializers.PartySerializer

    def get_queryset(self):
        return Party.objects.public().order_by("name", "id")

    def get_serializer_context(self):
        _, announcement_counts = published_counts()
        return {**super().get_serializer_context(), "announcement_counts": announcement_counts}


class Root(APIView):
    @extend_schema(
        summary="Links to the lists, the OpenAPI document and its browsable docs.",
        responses={200: serializers.RootSerializer},
    )
    def get(self, request):
        return Response(
            {
                name: request.build_absolute_uri(reverse(f"api:{name}"))
                for name in serializers.RootSerializer().fields
            }
        )


@extend_schema(exclude=True)
class NotFound(APIView):
    """Any path under ``/api/`` that names no endpoint, whatever the method."""

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise exceptions.NotFound

    def get(self, request, *args, **kwargs):
        raise exceptions.NotFound

    options = get
