"""The admin's "Import a statement" page: paste or upload, preview, adjust, save as drafts.

Step 1 reads the statement (pasted text or a .txt/.md upload) with the same parser as
the ``import_statement`` command. Step 2 shows the announcement, its clauses in a
formset (edit a heading or body, reorder, drop one) and the related announcements.
Saving parses the same text again, applies the adjustments and writes everything as
drafts with the command's ``import_statement()``: one code path, one transaction.
``kb.admin.site.KbAdminSite`` mounts the page in the admin's URL namespace.
"""

from __future__ import annotations

import dataclasses

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.validators import FileExtensionValidator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import ngettext

from kb import workflow
from kb.admin.suggestions import SuggestedLinkField, apply_links, preview_offers
from kb.importers.base import PartyLookup, collapse_whitespace
from kb.importers.statement import (
    MAX_HEADING_LENGTH,
    MAX_STATEMENT_BYTES,
    ParsedClause,
    ParsedStatement,
    StatementFormatError,
    StatementImportError,
    decode_statement,
    find_existing,
    import_statement,
    parse_statement,
)
from kb.models import Announcement, Party, Status

ADD_PERMISSIONS = ("kb.add_announcement", "kb.add_clause")
CHANGE_PERMISSIONS = ("kb.change_announcement", "kb.change_clause")
PASTED = "pasted text"
TEMPLATE = "admin/kb/announcement/import.html"


class StatementSourceForm(forms.Form):
    text = forms.CharField(
        label="Statement text",
        required=False,
        strip=False,
        max_length=MAX_STATEMENT_BYTES,
        widget=forms.Textarea(attrs={"rows": 16, "class": "vLargeTextField"}),
        help_text="Paste the statement: '# Title', 'Source: [url](url)', bold-headed clauses "
        "('**Heading.**Body'), then one line per related announcement.",
    )
    upload = forms.FileField(
        label="or upload a file",
        required=False,
        validators=[FileExtensionValidator(["txt", "md"])],
        help_text=f"A .txt or .md file in UTF-8, at most {MAX_STATEMENT_BYTES // 1024 // 1024} MB.",
    )

    parsed: ParsedStatement
    source: str

    def clean(self):
        cleaned = super().clean()
        text, upload = cleaned.get("text") or "", cleaned.get("upload")
        if self.errors:
            return cleaned
        if bool(text.strip()) == bool(upload):
            raise forms.ValidationError(
                "Paste the statement's text or upload a file (one of them)."
            )
        try:
            if upload:
                if upload.size > MAX_STATEMENT_BYTES:
                    raise forms.ValidationError(
                        f"The file is {upload.size:,} bytes; the limit is {MAX_STATEMENT_BYTES:,}."
                    )
                self.source = decode_statement(upload.read(), filename=upload.name)
                filename = upload.name
            else:
                self.source, filename = text, PASTED
            self.parsed = parse_statement(self.source, filename=filename)
        except StatementFormatError as error:
            raise forms.ValidationError(_located(error)) from None
        return cleaned


class StatementConfirmForm(forms.Form):
    """The statement's text again, carried through the preview and parsed once more."""

    source = forms.CharField(
        strip=False, max_length=MAX_STATEMENT_BYTES, widget=forms.Textarea(attrs={"hidden": True})
    )
    filename = forms.CharField(max_length=255, widget=forms.HiddenInput)
    parties = forms.ModelMultipleChoiceField(
        queryset=Party.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Also named in the text",
        help_text="Known parties the statement names besides those in its title; the ticked "
        "ones become parties of the announcement.",
    )

    parsed: ParsedStatement

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                self.parsed = parse_statement(cleaned["source"], filename=cleaned["filename"])
            except StatementFormatError as error:
                raise forms.ValidationError(_located(error)) from None
        return cleaned


class ClauseForm(forms.Form):
    # A textarea, so a long heading shows whole (wrapped) instead of cut at the box.
    heading = forms.CharField(
        max_length=MAX_HEADING_LENGTH, widget=forms.Textarea(attrs={"rows": 2, "cols": 60})
    )
    text = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField"})
    )
    line = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    # The earlier clause the editor chose among the suggestions, linked on saving.
    link = SuggestedLinkField()

    def clean_heading(self):
        return collapse_whitespace(self.cleaned_data["heading"])


class BaseClauseFormSet(forms.BaseFormSet):
    def _construct_form(self, i, **kwargs):
        # The table's cells have no <label>s: name each input after its clause.
        form = super()._construct_form(i, **kwargs)
        for name, what in (
            ("heading", "Heading"),
            ("text", "Body"),
            ("ORDER", "Order"),
            ("DELETE", "Drop"),
        ):
            if name in form.fields:
                form.fields[name].widget.attrs["aria-label"] = f"{what} of clause {i + 1}"
        return form


ClauseFormSet = forms.formset_factory(
    ClauseForm,
    formset=BaseClauseFormSet,
    extra=0,
    can_order=True,
    can_delete=True,
    max_num=1000,
    validate_max=True,
)


def import_statement_view(site: admin.AdminSite, request: HttpRequest) -> HttpResponse:
    if not request.user.has_perms(ADD_PERMISSIONS):
        raise PermissionDenied
    if request.method == "POST" and "save" in request.POST:
        return _save(site, request)
    if request.method == "POST":
        source_form = StatementSourceForm(request.POST, request.FILES)
        if source_form.is_valid():
            return _preview(
                site,
                request,
                StatementConfirmForm(
                    initial={
                        "source": source_form.source,
                        "filename": source_form.parsed.filename,
                    }
                ),
                source_form.parsed,
                ClauseFormSet(initial=_clause_initial(source_form.parsed)),
            )
    else:
        source_form = StatementSourceForm()
    return _render(site, request, {"source_form": source_form, "step": "source"})


def _save(site: admin.AdminSite, request: HttpRequest) -> HttpResponse:
    confirm_form = StatementConfirmForm(request.POST)
    formset = ClauseFormSet(request.POST)
    if not confirm_form.is_valid():
        # The carried text no longer parses (it was tampered with): start again.
        return _render(
            site,
            request,
            {"source_form": StatementSourceForm(), "step": "source", "errors": confirm_form},
        )
    parsed = confirm_form.parsed
    if not formset.is_valid():
        return _preview(site, request, confirm_form, parsed, formset)
    chosen = [party.name for party in confirm_form.cleaned_data["parties"]]
    adjusted = dataclasses.replace(
        parsed,
        statement=dataclasses.replace(
            parsed.statement,
            party_names=tuple(dict.fromkeys((*parsed.statement.party_names, *chosen))),
            clauses=tuple(
                ParsedClause(
                    heading=form.cleaned_data["heading"].strip(),
                    text=form.cleaned_data["text"].strip(),
                    line=form.cleaned_data["line"],
                )
                for form in formset.ordered_forms
            ),
        ),
    )
    existing, _ = _existing(adjusted)
    if any(existing) and not request.user.has_perms(CHANGE_PERMISSIONS):
        confirm_form.add_error(
            None,
            "Part of this statement is already in the knowledge base, and you may not "
            "change announcements.",
        )
        return _preview(site, request, confirm_form, parsed, formset)
    try:
        with transaction.atomic():
            result = import_statement(
                parsed=adjusted, status=Status.DRAFT, user=request.user, drafts_only=True
            )
            linked = apply_links(result.statement, formset.ordered_forms, by=request.user)
    except (StatementImportError, workflow.WorkflowError) as error:
        confirm_form.add_error(None, str(error))
        return _preview(site, request, confirm_form, parsed, formset)
    clauses, related = result.clause_count, len(result.related)
    links = f" ({linked} linked to earlier clauses)" if linked else ""
    messages.success(
        request,
        f"Saved as drafts: “{result.statement.title}” with {clauses} "
        f"{ngettext('clause', 'clauses', clauses)}{links}, "
        f"and {related} related {ngettext('announcement', 'announcements', related)}.",
    )
    return HttpResponseRedirect(_change_url(result.statement))


def _preview(site, request, confirm_form, parsed: ParsedStatement, formset) -> HttpResponse:
    kinds = dict(Announcement._meta.get_field("kind").choices)
    detected = _named_in_text(parsed, confirm_form["source"].value() or "")
    confirm_form.fields["parties"].queryset = Party.objects.filter(
        pk__in=[party.pk for party in detected]
    ).order_by("name")
    if not confirm_form.is_bound:
        # Preselected: the editor unticks a party the text only mentions in passing.
        confirm_form.initial["parties"] = [party.pk for party in detected]
    existing, lookup_error = _existing(parsed)
    rows = [
        {
            "parsed": item,
            "kind": kinds.get(item.kind, item.kind),
            "existing": current,
            "blocked": current is not None and current.status != Status.DRAFT,
        }
        for item, current in zip((parsed.statement, *parsed.related), existing, strict=True)
    ]
    clause_offers, suggestions_error = preview_offers(formset, parsed.statement.party_names)
    return _render(
        site,
        request,
        {
            "step": "preview",
            "confirm_form": confirm_form,
            "formset": formset,
            "clause_rows": list(zip(formset, clause_offers, strict=True)),
            "suggestions_error": suggestions_error,
            "statement": rows[0],
            "related": rows[1:],
            "blocked": [row["parsed"].title for row in rows if row["blocked"]],
            "lookup_error": lookup_error,
            "detected_parties": detected,
        },
    )


def _named_in_text(parsed: ParsedStatement, source: str) -> list[Party]:
    """Known parties the statement's text names, other than those of its title."""
    lookup = PartyLookup()
    in_title = {lookup.find(name) for name in parsed.statement.party_names}
    return [party for party in lookup.named_in(source) if party not in in_title]


def _existing(parsed: ParsedStatement) -> tuple[list[Announcement | None], str]:
    """What the import would update, or why that cannot be told (an ambiguous lookup,
    which the import itself then refuses)."""
    try:
        return find_existing(parsed), ""
    except StatementImportError as error:
        return [None] * (1 + len(parsed.related)), str(error)


def _render(site, request, context: dict) -> HttpResponse:
    context = {
        **site.each_context(request),
        "title": "Import a statement",
        "opts": Announcement._meta,
        **context,
    }
    return render(request, TEMPLATE, context)


def _clause_initial(parsed: ParsedStatement) -> list[dict]:
    return [
        {"heading": clause.heading, "text": clause.text, "line": clause.line, "ORDER": position}
        for position, clause in enumerate(parsed.statement.clauses, start=1)
    ]


def _located(error: StatementFormatError) -> str:
    where = f"line {error.line} of {error.filename}" if error.line else error.filename
    return f"Cannot read the statement ({where}): {error.message}. Nothing was saved."


def _change_url(announcement: Announcement) -> str:
    # The announcement's admin is registered in kb/admin/announcements.py, which this
    # page does not depend on; without it the editor lands on the admin index.
    try:
        return reverse("admin:kb_announcement_change", args=[announcement.pk])
    except NoReverseMatch:
        return reverse("admin:index")
