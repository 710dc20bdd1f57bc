"""Lineage suggestions: which earlier published clause a clause most likely
reaffirms, amends or replaces.

- ``ranking``: ``suggest(ClauseDraft)`` over a clause's words and facts, saved or
  not (the statement import's preview has no saved clauses yet), and
  ``suggest_for_clause(clause)`` for a saved one.
- ``effects``: the rules that propose the effect, with their word lists.
- ``linking``: accepting a suggestion (the same rules as a link made by hand) and
  dismissing one.
"""
