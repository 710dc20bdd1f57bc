"""The terms in force on a day, for a party or a topic."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from kb.forms import InForceForm
from kb.models import Clause
from kb.public import suggested_parties
from kb.views.cards import clause_card_page
from kb.views.filter_urls import active_filters, canonical_redirect, shown


def in_force(request):
    form = InForceForm(request.GET or None)
    valid = not request.GET or form.is_valid()
    party = form.cleaned_data.get("party") if request.GET and valid else None
    if redirect := canonical_redirect(request, party=party.slug if party else None):
        return redirect
    context = {
        "form": form,
        "suggested_parties": suggested_parties(),
        "active_filters": active_filters(
            request,
            {
                "on": f"Date: {shown(form, 'on')}",
                "party": f"Party: {shown(form, 'party')}",
                "topic": f"Topic: {shown(form, 'topic')}",
            },
        ),
        "clear_url": reverse("kb:in_force"),
    }
    if not valid:
        return render(request, "kb/in_force.html", context, status=400)
    data = form.cleaned_data if request.GET else {"on": timezone.localdate()}
    clauses = Clause.objects.published().in_force_on(data["on"])
    if party:
        clauses = clauses.concerning(party)
    if data.get("topic"):
        clauses = clauses.on_topic(data["topic"])
    page = clause_card_page(request, clauses.newest_first())
    context.update(on=data["on"], page_obj=page)
    return render(request, "kb/in_force.html", context)
