"""The one paginator of kb's lists: public pages and admin change lists."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """A paginator whose count costs the same at a million rows as at ten thousand.

    It counts at most ``COUNT_CAP`` rows, over a LIMITed subquery; past the cap
    ``count`` is the cap and ``is_capped`` is true, and every page that shows the
    count must say so ("10,000+", "Page 1 of 400+", "More than 10,000"): no count
    is cut silently. A list whose length is known already (from facet counts)
    passes it as ``count=`` and runs no count query.
    """

    COUNT_CAP = 10_000

    def __init__(self, *args, count: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.known_count = count

    @cached_property
    def counted(self) -> int:
        """The rows, counted up to one past the cap."""
        if self.known_count is not None:
            return self.known_count
        # Order does not change a count: drop it, or the subquery would sort.
        return self.object_list.order_by()[: self.COUNT_CAP + 1].count()

    @cached_property
    def count(self) -> int:
        if self.known_count is not None:
            return self.known_count
        return min(self.counted, self.COUNT_CAP)

    @property
    def is_capped(self) -> bool:
        return self.known_count is None and self.counted > self.COUNT_CAP
