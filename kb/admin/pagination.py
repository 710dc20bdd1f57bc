"""The change lists' paginator is kb's one paginator (kb/pagination.py); this name
is kept only for the admin benchmark (kb/bench.py), which imports it from here."""

from kb.pagination import CappedPaginator as CappedCountPaginator

__all__ = ["CappedCountPaginator"]
