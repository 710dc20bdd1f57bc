"""Template tags of the kb admin."""

from django import template
from django.contrib.admin.templatetags.admin_list import date_hierarchy
from django.db.models import Max, Min

register = template.Library()


@register.inclusion_tag("admin/date_hierarchy.html")
def year_span_date_hierarchy(cl):
    """Django's date hierarchy, except for its top level.

    Django lists the years with SELECT DISTINCT over every row, a cost that grows
    with the announcements; this lists every year from the earliest date to the
    latest, from one MIN/MAX query on the date index. Drilling into a year is Django's own code.
    """
    field = cl.date_hierarchy
    if any(f"{field}__{part}" in cl.params for part in ("year", "month", "day")):
        return date_hierarchy(cl)
    span = cl.queryset.aggregate(first=Min(field), last=Max(field))
    first, last = span["first"], span["last"]
    if first is None or first.year == last.year:
        return date_hierarchy(cl)
    return {
        "show": True,
        "back": None,
        "choices": [
            {
                "link": cl.get_query_string({f"{field}__year": str(year)}, [f"{field}__"]),
                "title": str(year),
            }
            for year in range(first.year, last.year + 1)
        ],
        "field_name": cl.model._meta.get_field(field).verbose_name,
    }
