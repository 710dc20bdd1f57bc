"""Links that change one parameter of the current search and keep the others."""

from urllib.parse import urlencode

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def search_url(context, **changes) -> str:
    """``?...`` for the current GET parameters with ``changes`` applied (a value of
    None or "" removes the parameter). Any change other than ``page`` starts again
    at the first page."""
    dropped = set(changes) | {"fragment"}
    if dropped - {"page", "fragment"}:
        dropped.add("page")
    params = [
        (name, value)
        for name, values in context["request"].GET.lists()
        if name not in dropped
        for value in values
    ]
    params += [(name, value) for name, value in changes.items() if value not in (None, "")]
    return "?" + urlencode(params)


@register.filter
def get_item(mapping: dict, key):
    """``mapping[key]``, or None: a facet's count by its value."""
    return mapping.get(key)
