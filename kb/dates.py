"""Dates known only to a day, a month or a year ("October 2025"), or not at all.

A partial date is stored as two columns: a ``DateField`` and a precision. A start
(an announcement's date, a clause's ``effective_from``) is stored as the first day
of its period; an end (``effective_until``, "through 2032") as the last day, so the
plain date comparisons of the "in force" query are right without knowing precision.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models

# The dates a record may carry. Anything outside is a typing mistake (0001-01-01,
# 9999-12-31): no announcement or term of the knowledge base is that old or runs that
# long, and one such date made the admin's year filter list 10,000 years.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"
    UNKNOWN = "unknown", "Unknown"


MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})

_ISO = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{1,2})(?:-(?P<day>\d{1,2}))?)?$")
_MONTH_YEAR = re.compile(r"^(?P<month>[A-Za-z]+)\.?\s+(?P<year>\d{4})$")
_DAY_MONTH_YEAR = re.compile(r"^(?P<day>\d{1,2})\s+(?P<month>[A-Za-z]+)\.?,?\s+(?P<year>\d{4})$")
_MONTH_DAY_YEAR = re.compile(r"^(?P<month>[A-Za-z]+)\.?\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{4})$")


@dataclass(frozen=True)
class PartialDate:
    date: dt.date | None
    precision: str = DatePrecision.UNKNOWN

    @classmethod
    def unknown(cls) -> PartialDate:
        return cls(None, DatePrecision.UNKNOWN)

    @classmethod
    def parse(cls, text: str | None, *, end: bool = False) -> PartialDate:
        """Read "2025-10-28", "2025-10", "2025", "October 2025", "28 October 2025",
        "October 28, 2025" or "" (unknown). ``end=True`` stores the period's last day.

        Raises ValueError with a readable message on anything else.
        """
        text = (text or "").strip()
        if not text or text.lower() in {"unknown", "n/a", "none"}:
            return cls.unknown()
        year = month = day = None
        if match := _ISO.match(text):
            year, month, day = match["year"], match["month"], match["day"]
        elif match := (_DAY_MONTH_YEAR.match(text) or _MONTH_DAY_YEAR.match(text)):
            year, day = match["year"], match["day"]
            month = MONTHS.get(match["month"].lower())
            if month is None:
                raise ValueError(f"unknown month name in date {text!r}")
        elif match := _MONTH_YEAR.match(text):
            year = match["year"]
            month = MONTHS.get(match["month"].lower())
            if month is None:
                raise ValueError(f"unknown month name in date {text!r}")
        else:
            raise ValueError(
                f"cannot read date {text!r}: use YYYY-MM-DD, YYYY-MM, YYYY or 'October 2025'"
            )
        try:
            return cls.of(
                int(year), int(month) if month else None, int(day) if day else None, end=end
            )
        except ValueError as error:
            raise ValueError(f"invalid date {text!r}: {error}") from None

    @classmethod
    def of(cls, year: int, month: int | None = None, day: int | None = None, *, end: bool = False):
        if day is not None and month is not None:
            return cls(dt.date(year, month, day), DatePrecision.DAY)
        if month is not None:
            last = calendar.monthrange(year, month)[1]
            return cls(dt.date(year, month, last if end else 1), DatePrecision.MONTH)
        return cls(dt.date(year, 12, 31) if end else dt.date(year, 1, 1), DatePrecision.YEAR)

    def __str__(self) -> str:
        return format_partial_date(self.date, self.precision)

    def isoformat(self) -> str | None:
        """ISO 8601 at the precision known: "2025-10-28", "2025-10", "2025" or None."""
        if self.date is None:
            return None
        if self.precision == DatePrecision.YEAR:
            return f"{self.date.year:04d}"
        if self.precision == DatePrecision.MONTH:
            return f"{self.date.year:04d}-{self.date.month:02d}"
        return self.date.isoformat()


def format_partial_date(date: dt.date | None, precision: str) -> str:
    if date is None or precision == DatePrecision.UNKNOWN:
        return "Date unknown"
    if precision == DatePrecision.YEAR:
        return str(date.year)
    if precision == DatePrecision.MONTH:
        return f"{calendar.month_name[date.month]} {date.year}"
    return f"{date.day} {calendar.month_name[date.month]} {date.year}"


def precision_constraint(
    date_field: str, precision_field: str, name: str
) -> models.CheckConstraint:
    """A date is null exactly when its precision is "unknown"."""
    return models.CheckConstraint(
        condition=(
            models.Q(**{f"{date_field}__isnull": True, precision_field: DatePrecision.UNKNOWN})
            | (
                models.Q(**{f"{date_field}__isnull": False})
                & models.Q(
                    **{
                        f"{precision_field}__in": [
                            DatePrecision.DAY,
                            DatePrecision.MONTH,
                            DatePrecision.YEAR,
                        ]
                    }
                )
            )
        ),
        name=name,
        violation_error_message="A date needs a precision, and an unknown date needs no date.",
    )


def validate_record_date(value: dt.date | None) -> None:
    """Refuse a date outside ``EARLIEST_DATE``..``LATEST_DATE`` (a model field validator)."""
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            "%(value)s is outside the dates a record may carry: %(earliest)s to %(latest)s.",
            code="date_out_of_range",
            params={
                "value": f"{value.year:04d}-{value.month:02d}-{value.day:02d}",
                "earliest": EARLIEST_DATE.isoformat(),
                "latest": LATEST_DATE.isoformat(),
            },
        )


def date_range_constraint(*date_fields: str, name: str) -> models.CheckConstraint:
    """Each of ``date_fields`` is unknown or within ``EARLIEST_DATE``..``LATEST_DATE``."""
    condition = models.Q()
    for field in date_fields:
        condition &= models.Q(**{f"{field}__isnull": True}) | models.Q(
            **{f"{field}__range": (EARLIEST_DATE, LATEST_DATE)}
        )
    return models.CheckConstraint(
        condition=condition,
        name=name,
        violation_error_message=(
            f"Dates must lie between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}."
        ),
    )
