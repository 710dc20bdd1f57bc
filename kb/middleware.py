"""Site-wide login when ``KB_REQUIRE_LOGIN`` is on, and a 503 when search cannot run.

Every public page and the API then need a logged-in Reader or better (anyone with
the ``kb.read_site`` permission: the Readers, Editors and Publishers groups). The
admin guards itself, and static files stay reachable so the login page has its styles.
"""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseForbidden, JsonResponse
from django.shortcuts import render

from kb.search.index import IndexUnavailable

READ_PERMISSION = "kb.read_site"
API_PREFIX = "/api/"


class RequireLoginMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Read per request so the setting can be switched in tests and by ops.
        if settings.KB_REQUIRE_LOGIN and not self._exempt(request.path_info):
            refusal = self._refusal(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    @staticmethod
    def _exempt(path: str) -> bool:
        static = "/" + settings.STATIC_URL.lstrip("/")
        return path.startswith(("/admin/", static))

    @staticmethod
    def _refusal(request):
        user = request.user
        is_api = request.path_info.startswith(API_PREFIX)
        if not user.is_authenticated:
            if is_api:
                return JsonResponse({"detail": "Log in to use this site."}, status=401)
            return redirect_to_login(request.get_full_path())
        if not user.has_perm(READ_PERMISSION):
            if is_api:
                return JsonResponse(
                    {"detail": "Your account may not read this site; ask for the Reader role."},
                    status=403,
                )
            return HttpResponseForbidden(
                "Your account may not read this site; ask an administrator for the Reader role.",
                content_type="text/plain; charset=utf-8",
            )
        return None


class SearchUnavailableMiddleware:
    """A search that cannot run because the search index cannot be read or rebuilt
    (``IndexUnavailable``: a full disk, a broken directory) is a 503 that says so,
    as JSON under ``/api/``, never a 500. The error is logged where it happens."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, IndexUnavailable):
            return None
        message = "Search is unavailable for a moment; please try again shortly."
        if request.path_info.startswith(API_PREFIX):
            response = JsonResponse({"detail": message}, status=503)
        else:
            response = render(
                request, "kb/search_unavailable.html", {"message": message}, status=503
            )
        response["Retry-After"] = "30"
        return response
