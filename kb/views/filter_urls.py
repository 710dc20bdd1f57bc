"""The URLs of the filtered lists: their short canonical form, and the chips that
show each filter in force and remove it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.utils.dateformat import format as format_date

# Shared URLs: the filter forms submit every field, empty or not, and a party may be
# typed by name. A page answers such a URL with a redirect to its short form (no empty
# parameters, the party's slug), the URL the address bar then shows and staff copy.
# kb.js drops the empty fields before the browser sends them, saving that round trip.


def _parameters(request) -> list[tuple[str, str]]:
    return [(name, value) for name, values in request.GET.lists() for value in values]


def _url(path: str, parameters: list[tuple[str, str]]) -> str:
    return f"{path}?{urlencode(parameters)}" if parameters else path


def canonical_redirect(request, **replacing: str | None) -> HttpResponseRedirect | None:
    """A redirect to this page's URL without its empty parameters and with
    ``replacing``'s values (None: keep the one given), or None when the URL is that
    already."""
    given = _parameters(request)
    wanted = [
        (name, value if replacing.get(name) is None else replacing[name])
        for name, value in given
        if value != ""
    ]
    return None if wanted == given else HttpResponseRedirect(_url(request.path, wanted))


@dataclass(frozen=True)
class ActiveFilter:
    """A filter in force on a list, shown as a chip that links to the list without it."""

    label: str
    remove_url: str


def active_filters(request, labels: dict[str, str]) -> list[ActiveFilter]:
    """A chip for each parameter named in ``labels`` (name: what the chip says) that
    the request gives, in that order; removing one goes back to the first page."""
    given = _parameters(request)
    return [
        ActiveFilter(
            label,
            _url(request.path, [(n, v) for n, v in given if n not in (name, "page")]),
        )
        for name, label in labels.items()
        if request.GET.get(name)
    ]


def clear_filters_url(request, names) -> str:
    """This page without any of the filters ``names`` (and from the first page)."""
    names = {*names, "page"}
    return _url(request.path, [(n, v) for n, v in _parameters(request) if n not in names])


def shown(form, name: str, labels: dict | None = None) -> str:
    """What a chip says a filter is: the record, date or choice the form found, else
    the text given (a value the form refused)."""
    value = getattr(form, "cleaned_data", {}).get(name)
    if value in (None, ""):
        return form.data.get(name, "")
    if isinstance(value, dt.date):
        return format_date(value, "j F Y")
    return str((labels or {}).get(value, value))
