"""Form fields and widgets of the public pages (the search page's filters are
FilterSets: kb/filters.py)."""

from __future__ import annotations

import datetime as dt

from django import forms


class ISODateInput(forms.DateInput):
    """``<input type="date">``, whose value must be a real YYYY-MM-DD date: input that
    is not one ("notadate", "2024-13-45") is not echoed back (the field's error says
    what was wrong), so the page stays valid HTML."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")

    def format_value(self, value):
        if isinstance(value, str):
            try:
                return dt.datetime.strptime(value.strip(), "%Y-%m-%d").date().isoformat()  # noqa: DTZ007 (a date, no time)
            except ValueError:
                return None
        return super().format_value(value)
