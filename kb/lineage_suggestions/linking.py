"""Accepting a suggestion (linking a clause to the earlier clause it continues) and
dismissing one.

A link made from a suggestion follows the rules of one made in the clause's change
form: the user may change clauses and may edit this clause's announcement (only
Publishers change published ones, ``workflow.can_edit``), the version the editor
saw must still be the current one (``workflow.claim_version``), the clause's own
rules hold (``Clause.clean``: no self-link, no later clause, no loop), and the
change is saved as a new version in the clause's history, by this user.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kb import workflow
from kb.lineage_suggestions.models import LineageDismissal
from kb.models import Clause, ClauseEffect

CHANGE_CLAUSE = "kb.change_clause"
# The effects a link can have ("new" has no earlier clause).
LINK_EFFECTS = (ClauseEffect.REAFFIRMED, ClauseEffect.AMENDED, ClauseEffect.REMOVED)
LINKED_REASON = "Linked to an earlier clause from a lineage suggestion"


def link_clause(clause_id: int, candidate_id: int, effect: str, *, by, loaded_version: int):
    """Make clause ``clause_id`` supersede ``candidate_id`` with ``effect``; returns
    the saved clause. Raises ``WorkflowError`` (``VersionConflict`` when someone
    saved the clause since ``loaded_version``) with a message fit to show."""
    if effect not in LINK_EFFECTS:
        raise workflow.WorkflowError(f"“{effect}” is not an effect a link can have.")
    if not by.has_perm(CHANGE_CLAUSE):
        raise workflow.WorkflowError("You may not change clauses.")
    with transaction.atomic():
        clause = _locked_clause(clause_id, by)
        candidate = Clause.objects.select_related("announcement").filter(pk=candidate_id).first()
        if candidate is None:
            raise workflow.WorkflowError("The suggested clause no longer exists.")
        clause.version = workflow.claim_version(Clause, clause.pk, loaded_version)
        clause.supersedes = candidate
        clause.effect = effect
        try:
            clause.full_clean()
        except ValidationError as error:
            raise workflow.WorkflowError(" ".join(error.messages)) from error
        clause._history_user = by
        clause._change_reason = LINKED_REASON
        clause.save()
    return clause


def dismiss(clause_id: int, candidate_id: int, *, by) -> LineageDismissal:
    """Never suggest ``candidate_id`` for ``clause_id`` again (idempotent)."""
    if not by.has_perm(CHANGE_CLAUSE):
        raise workflow.WorkflowError("You may not change clauses.")
    if clause_id == candidate_id:
        raise workflow.WorkflowError("A clause is never suggested for itself.")
    with transaction.atomic():
        clause = _locked_clause(clause_id, by)
        if not Clause.objects.filter(pk=candidate_id).exists():
            raise workflow.WorkflowError("The suggested clause no longer exists.")
        try:
            with transaction.atomic():
                dismissal, _ = LineageDismissal.objects.get_or_create(
                    clause=clause, candidate_id=candidate_id, defaults={"user": by}
                )
        except IntegrityError:  # dismissed at the same moment by someone else
            dismissal = LineageDismissal.objects.get(clause=clause, candidate_id=candidate_id)
    return dismissal


def _locked_clause(clause_id: int, by) -> Clause:
    clause = Clause.objects.select_for_update().filter(pk=clause_id).first()
    if clause is None:
        raise workflow.WorkflowError("This clause no longer exists.")
    announcement = clause.announcement
    if not workflow.can_edit(by, announcement):
        raise workflow.WorkflowError(workflow.refuse_edit_message(announcement))
    return clause
