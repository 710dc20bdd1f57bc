"""Hooks for django-axes, which throttles logins to the admin (settings: ``AXES_*``)."""

import ipaddress

from django.conf import settings
from django.shortcuts import render


def client_address(request) -> str | None:
    """The address a login attempt came from.

    Behind the TLS-terminating proxy (production), REMOTE_ADDR is the proxy's own
    address for everyone; the proxy appends the real client's address to
    X-Forwarded-For, so its last entry is the one to lock (earlier entries are
    whatever the client chose to send). The header is believed only on a request
    from one of the proxy's addresses (``KB_PROXY_ADDRESSES``, the
    ``FORWARDED_ALLOW_IPS`` gunicorn.conf.py reads too): a client that reaches
    gunicorn past the proxy could otherwise send a new address with every guess.
    """
    remote = request.META.get("REMOTE_ADDR")
    if not _is_proxy(remote):
        return remote
    forwarded_for = request.META.get("HTTP_X_FORWARDED_FOR", "")
    client = forwarded_for.rsplit(",", 1)[-1].strip()
    return client if _is_address(client) else remote


def _is_proxy(address: str | None) -> bool:
    proxies = settings.KB_PROXY_ADDRESSES
    if "*" in proxies:
        return True
    if not _is_address(address):
        return False
    return any(
        _is_address(proxy) and ipaddress.ip_address(proxy) == ipaddress.ip_address(address)
        for proxy in proxies
    )


def _is_address(text: str | None) -> bool:
    try:
        ipaddress.ip_address(text or "")
    except ValueError:
        return False
    return True


def login_locked_out(request, original_response=None, credentials=None):
    """The page a locked-out login gets: HTTP 429 saying why and for how long."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "kb/login_locked_out.html",
        {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes},
        status=429,
    )
