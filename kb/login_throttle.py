"""Hooks for django-axes, which throttles logins to the admin (settings: ``AXES_*``)."""

from django.conf import settings
from django.shortcuts import render


def client_address(request) -> str | None:
    """The address a login attempt came from.

    Behind the TLS-terminating proxy (production), REMOTE_ADDR is the proxy's own
    address for everyone; the proxy appends the real client's address to
    X-Forwarded-For, so its last entry is the one we can trust (earlier entries are
    whatever the client chose to send).
    """
    forwarded_for = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and forwarded_for.strip():
        return forwarded_for.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR")


def login_locked_out(request, original_response=None, credentials=None):
    """The page a locked-out login gets: HTTP 429 saying why and for how long."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "kb/login_locked_out.html",
        {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes},
        status=429,
    )
