"""Merging parties: one organisation entered under several names becomes one party.

The admin's "Merge" action on the party list calls ``merge_parties()``; like the
workflow's services it checks the acting user's permission itself and raises
``WorkflowError`` with a message fit to show them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from kb.models import Announcement, Clause, Party
from kb.workflow import PUBLISH_PERMISSION, WorkflowError

MERGE_PERMISSIONS = (PUBLISH_PERMISSION, "kb.delete_party")


@dataclass(frozen=True)
class MergeResult:
    party: Party
    merged: tuple[str, ...]
    announcements: int
    clauses: int

    def summary(self) -> str:
        return (
            f"Merged {', '.join(f'“{name}”' for name in self.merged)} into “{self.party}”: "
            f"{self.announcements} announcements and {self.clauses} clauses now name it."
        )


def can_merge(user) -> bool:
    return user.has_perms(MERGE_PERMISSIONS)


def merge_parties(into: Party, others: list[Party], *, by) -> MergeResult:
    """Merge ``others`` into ``into``, in one transaction.

    The announcements and clauses that name any of ``others`` name ``into`` instead
    (once each), each with a history entry; the others' names, short names and
    aliases become aliases of ``into`` (so importers find it by them); ``into`` fills
    an empty website from them; the others are deleted, their history kept.
    """
    if not can_merge(by):
        raise WorkflowError("Only Publishers may merge parties.")
    others = [party for party in others if party.pk != into.pk]
    if not others:
        raise WorkflowError("Choose at least two parties to merge.")
    with transaction.atomic():
        ids = sorted({into.pk, *(party.pk for party in others)})
        locked = {party.pk: party for party in Party.objects.select_for_update().filter(pk__in=ids)}
        if len(locked) != len(ids):
            raise WorkflowError("A party to merge has been deleted meanwhile; choose again.")
        into, others = locked[into.pk], [locked[party.pk] for party in others]
        names = ", ".join(f"“{party.name}”" for party in others)
        reason = f"Merged {names} into “{into.name}”"

        announcements = _move_links(Announcement.parties.through, "announcement", into, others)
        clauses = _move_links(Clause.parties.through, "clause", into, others)
        for model, pks in ((Announcement, announcements), (Clause, clauses)):
            _record_change(model, pks, by=by, reason=reason)

        into.aliases = "\n".join(_aliases(into, others))
        into.website = into.website or next((p.website for p in others if p.website), "")
        try:
            into.full_clean()
        except ValidationError as error:
            raise WorkflowError(f"“{into}” cannot take the merged names: {error}") from None
        for party in others:
            party._history_user = by
            party._change_reason = f"Merged into “{into.name}”"
            party.delete()
        into.version += 1
        into._history_user = by
        into._change_reason = reason
        into.save()
    return MergeResult(
        party=into,
        merged=tuple(party.name for party in others),
        announcements=len(announcements),
        clauses=len(clauses),
    )


def _move_links(through, owner: str, into: Party, others: list[Party]) -> set[int]:
    """Point the links of ``others`` at ``into``, one link per record; returns the
    ids of the records whose links changed."""
    key = f"{owner}_id"
    moved = set(through.objects.filter(party__in=others).values_list(key, flat=True))
    through.objects.filter(party__in=others).delete()
    linked = set(
        through.objects.filter(party=into, **{f"{key}__in": moved}).values_list(key, flat=True)
    )
    through.objects.bulk_create(through(**{key: pk, "party_id": into.pk}) for pk in moved - linked)
    return moved


def _record_change(model, pks: set[int], *, by, reason: str) -> None:
    """A new version and a history entry (with the new party list) for each record,
    so an editor with one of them open gets a conflict rather than undoing the merge."""
    for record in model.objects.filter(pk__in=pks).order_by("pk"):
        record.version += 1
        record._history_user = by
        record._change_reason = reason
        record.save(update_fields=["version"])


def _aliases(into: Party, others: list[Party]) -> list[str]:
    """``into``'s aliases, then each other party's name, short name and aliases, each
    once (ignoring case) and none equal to ``into``'s name."""
    seen = {into.name.casefold()}
    aliases = []
    candidates = [*into.alias_list]
    for party in others:
        candidates += [party.name, party.short_name, *party.alias_list]
    for name in candidates:
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            aliases.append(name)
    return aliases
