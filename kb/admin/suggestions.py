"""Lineage suggestions in the admin: the clause change form lists the earlier
clauses the clause most likely continues, each with a button per effect to link it
and one to dismiss it; the statement import's preview offers the same for each
clause to be imported, applied when the statement is saved.

Links go through ``kb.lineage_suggestions.linking``, the rules of a link made by
hand (permissions, workflow state, the lost-update guard, history).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse

from kb import workflow
from kb.lineage_suggestions import linking
from kb.lineage_suggestions.ranking import Suggestion, suggest_for_clause, suggest_for_new_clauses
from kb.models import Clause, ClauseEffect
from kb.search.index import IndexUnavailable

UNAVAILABLE = "Suggestions are unavailable while the search index is being built."
# The effects a link can have, as the buttons and choices offer them.
LINK_CHOICES = [(effect.value, effect.label) for effect in linking.LINK_EFFECTS]


@dataclass(frozen=True)
class Offer:
    """A suggestion with the effects to offer: the proposed one first."""

    suggestion: Suggestion
    effects: list[tuple[str, str, bool]]  # (value, label, proposed)


def offers(suggestions: list[Suggestion]) -> list[Offer]:
    return [
        Offer(
            suggestion,
            sorted(
                ((value, label, value == suggestion.effect) for value, label in LINK_CHOICES),
                key=lambda choice: not choice[2],
            ),
        )
        for suggestion in suggestions
    ]


class LineageSuggestionsMixin:
    """For ``ClauseAdmin``: the suggestions panel and its link and dismiss views."""

    change_form_template = "admin/kb/clause/change_form.html"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        own = [
            path(
                "<path:object_id>/suggestions/link/",
                self.admin_site.admin_view(self.link_suggestion_view),
                name="{}_{}_link_suggestion".format(*info),
            ),
            path(
                "<path:object_id>/suggestions/dismiss/",
                self.admin_site.admin_view(self.dismiss_suggestion_view),
                name="{}_{}_dismiss_suggestion".format(*info),
            ),
        ]
        return own + super().get_urls()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context.update(self._suggestions_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _suggestions_context(self, request, clause: Clause) -> dict:
        try:
            found = suggest_for_clause(clause)
        except IndexUnavailable:
            return {"lineage_suggestions_error": UNAVAILABLE}
        return {
            "lineage_offers": offers(found),
            "lineage_clause": clause,
            "lineage_can_link": self.has_change_permission(request, clause),
        }

    def link_suggestion_view(self, request, object_id):
        clause = self._posted_clause(request, object_id)
        if not isinstance(clause, Clause):
            return clause
        try:
            candidate = int(request.POST.get("candidate", ""))
            loaded_version = int(request.POST.get("loaded_version", ""))
        except ValueError:
            messages.error(request, "This link request is incomplete; reload the page.")
            return self._back(clause)
        try:
            linking.link_clause(
                clause.pk,
                candidate,
                request.POST.get("effect", ""),
                by=request.user,
                loaded_version=loaded_version,
            )
        except workflow.WorkflowError as error:
            messages.error(request, error.message)
        else:
            effect = ClauseEffect(request.POST["effect"]).label.lower()
            messages.success(request, f"“{clause}” now supersedes clause {candidate} ({effect}).")
        return self._back(clause)

    def dismiss_suggestion_view(self, request, object_id):
        clause = self._posted_clause(request, object_id)
        if not isinstance(clause, Clause):
            return clause
        try:
            candidate = int(request.POST.get("candidate", ""))
        except ValueError:
            messages.error(request, "This request names no suggestion; reload the page.")
            return self._back(clause)
        try:
            linking.dismiss(clause.pk, candidate, by=request.user)
        except workflow.WorkflowError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Clause {candidate} will not be suggested again here.")
        return self._back(clause)

    def _posted_clause(self, request, object_id):
        """The clause of a link or dismiss request, or the response refusing it: only
        those who may see clauses in the admin learn whether one exists."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return get_object_or_404(Clause, pk=_pk(object_id))

    def _back(self, clause: Clause):
        info = self.opts.app_label, self.opts.model_name
        url = reverse("admin:{}_{}_change".format(*info), args=[clause.pk])
        return HttpResponseRedirect(url + "#lineage-suggestions")


def _pk(object_id) -> int | None:
    try:
        return int(object_id)
    except (TypeError, ValueError):
        return None


# The statement import's preview --------------------------------------------------

_LINK_VALUE = re.compile(r"^(?P<candidate>[1-9][0-9]{0,18}):(?P<effect>[a-z]+)$")


class SuggestedLinkField(forms.CharField):
    """A clause's chosen link in the import preview: "<clause id>:<effect>", or empty."""

    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=40, widget=forms.HiddenInput, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        match = _LINK_VALUE.match(value)
        if match is None or match["effect"] not in dict(LINK_CHOICES):
            raise forms.ValidationError("Choose one of the suggested links.")
        return int(match["candidate"]), match["effect"]


def preview_offers(formset, party_names) -> tuple[list[list[Offer]], str]:
    """For each form of the import's clause formset, the suggestions for its clause
    as it stands; or an explanation when there are none to be had."""
    clauses = [(form["heading"].value() or "", form["text"].value() or "") for form in formset]
    try:
        found = suggest_for_new_clauses(clauses, party_names=party_names)
    except IndexUnavailable:
        return [[] for _ in clauses], UNAVAILABLE
    return [offers(suggestions) for suggestions in found], ""


def apply_links(statement, ordered_forms, *, by) -> int:
    """Link the statement's clauses just saved as the preview's choices say (the
    n-th ordered form is the clause at position n); returns how many were linked.
    Raises ``WorkflowError``; the caller's transaction then undoes the import."""
    chosen = {
        position: form.cleaned_data["link"]
        for position, form in enumerate(ordered_forms, start=1)
        if form.cleaned_data.get("link")
    }
    if not chosen:
        return 0
    clauses = statement.clauses.filter(position__in=chosen).only("pk", "position", "version")
    for clause in clauses:
        candidate, effect = chosen[clause.position]
        linking.link_clause(clause.pk, candidate, effect, by=by, loaded_version=clause.version)
    return len(chosen)
