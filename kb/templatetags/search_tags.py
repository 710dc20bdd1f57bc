"""Links that change one parameter of the current search and keep the others."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def search_url(context, **changes) -> str:
    """``?...`` for the current GET parameters with ``changes`` applied (a value of
    None or "" removes the parameter). Any change other than ``page`` starts again
    at the first page."""
    params = context["request"].GET.copy()
    if set(changes) - {"page"}:
        params.pop("page", None)
    for name, value in changes.items():
        if value is None or value == "":
            params.pop(name, None)
        else:
            params[name] = value
    return "?" + params.urlencode() if params else "?"
