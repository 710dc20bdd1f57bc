"""One error shape for every response under ``/api/``: ``{"detail": "..."}``, plus
``"errors"`` ({parameter: [messages]}) when parameters were refused."""

from __future__ import annotations

from rest_framework import exceptions, status
from rest_framework.views import exception_handler

INVALID_PARAMETERS = "Invalid parameters."


def api_exception_handler(exc, context):
    """DRF's handler (which turns ``Http404`` and ``PermissionDenied`` into its own
    exceptions and sets ``Allow`` on a 405), with field errors under ``errors``
    and one wording for every 404."""
    response = exception_handler(exc, context)
    if response is None:
        return None  # not an API error: a 500, or IndexUnavailable for the middleware
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"parameters": exc.detail}
        response.data = {
            "detail": INVALID_PARAMETERS,
            "errors": {
                field: [str(message) for message in messages]
                if isinstance(messages, list)
                else [str(messages)]
                for field, messages in errors.items()
            },
        }
    elif response.status_code == status.HTTP_404_NOT_FOUND:
        response.data = {"detail": "Not found."}
    return response
