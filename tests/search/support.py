"""What the search tests call: the filter sets of the pages, as users reach them."""

from kb.filters import ClauseFilter, SearchFilter


def clauses(query: str = "", **params) -> list:
    """The clauses the API and exports find for ``query`` and filters, in order."""
    filterset = ClauseFilter({"q": query, **params})
    assert filterset.is_valid(), filterset.errors
    return list(filterset.qs)


def headings(query: str = "", **params) -> list[str]:
    return [clause.heading for clause in clauses(query, **params)]


def found(query: str = "", **params) -> list[str]:
    """What the search page finds (clauses and announcements): "clause: heading" or
    "announcement: title", in order."""
    filterset = SearchFilter({"q": query, **params})
    assert filterset.is_valid(), filterset.errors
    return [
        f"{record.search_type}: {getattr(record, 'heading', None) or record.title}"
        for record in filterset.qs
    ]


def with_every_word(query: str, **params) -> list:
    """The clauses that match the whole query (not the closest matches after them)."""
    return [clause for clause in clauses(query, **params) if clause.search_every_word]
