from django.urls import path, re_path
from django.views.decorators.http import conditional_page
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView

from kb.api import views

app_name = "api"


def api(view_class, **initkwargs):
    """The view, with an ``ETag`` (a hash of the response) that answers a matching
    ``If-None-Match`` with 304 Not Modified (Django's ConditionalGetMiddleware)."""
    return conditional_page(view_class.as_view(**initkwargs))


urlpatterns = [
    path("", api(views.Root), name="root"),
    path("announcements/", api(views.AnnouncementList), name="announcements"),
    path("announcements/<slug:slug>/", api(views.AnnouncementDetail), name="announcement"),
    path("clauses/", api(views.ClauseList), name="clauses"),
    path("clauses/<int:pk>/", api(views.ClauseDetail), name="clause"),
    path("topics/", api(views.TopicList), name="topics"),
    path("parties/", api(views.PartyList), name="parties"),
    path("openapi.json", api(SpectacularJSONAPIView), name="openapi"),
    # Swagger UI, its script a file of its own and its assets served from this site
    # (drf-spectacular-sidecar): the Content-Security-Policy allows no inline script.
    path(
        "docs/",
        api(
            SpectacularSwaggerSplitView,
            url_name="api:openapi",
            template_name="kb/api/swagger_ui.html",
            title="kb API",
        ),
        name="docs",
    ),
    # Last, and unnamed (nothing links to it): every other path under /api/ is a JSON 404.
    re_path(r"^", api(views.NotFound)),
]
