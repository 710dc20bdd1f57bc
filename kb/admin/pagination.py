"""The change lists' paginator."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedCountPaginator(Paginator):
    """Counts at most ``COUNT_CAP`` rows.

    The change list counts its rows on every page load; at a million rows a full
    COUNT(*) costs more than the page itself. Counting over a LIMITed subquery keeps
    the cost bounded; past the cap the page says "more than" instead of a number.
    """

    COUNT_CAP = 10_000

    @cached_property
    def count(self) -> int:
        # Order does not change a count: drop it, or the subquery would sort.
        return self.object_list.order_by()[: self.COUNT_CAP + 1].count()

    @property
    def count_is_capped(self) -> bool:
        return self.count > self.COUNT_CAP
