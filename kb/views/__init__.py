"""Public pages. Thin: a queryset with its loading plan, then a template.

Only published records appear. A draft, in-review or retracted announcement (and
so each of its clauses) is a 404 for everyone here, signed in or not: the public
pages never say that an unpublished record exists. Editors read those in the admin.

- ``records``: the home page and one announcement, clause, topic or party.
- ``browse``: every published announcement, party and topic, a page at a time.
- ``in_force``: the terms in force on a day.
- ``search``: the search page and its facets.
- ``cards``: the paged lists of clause cards (topic, party and in-force pages).
- ``filter_urls``: canonical URLs of filtered lists and their filter chips.
"""
