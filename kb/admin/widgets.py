"""Autocomplete widgets that share one label query across the inline clause forms
(one query per related model for the labels of all widgets, instead of one per
widget per clause), and labels that tell clauses with the same heading apart."""

from django import forms
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple

from kb.models import Clause


def clause_label(clause: Clause) -> str:
    """A clause as a choice: its heading, its announcement's title and date, and its
    position there (many contracts share headings such as "Governing Law")."""
    announcement = clause.announcement
    date = announcement.partial_date if announcement.date else "undated"
    return f"{clause.heading} — {announcement.title}, {date}, clause {clause.position}"


class ClauseChoiceField(forms.ModelChoiceField):
    """A clause chosen by its full label; give it a queryset that selects the
    announcement along (``Clause.objects.select_related("announcement")``)."""

    def label_from_instance(self, obj):
        return clause_label(obj)


class KbAutocompleteJsonView(AutocompleteJsonView):
    """Django's autocomplete results, with clauses labelled by ``clause_label``."""

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        if isinstance(obj, Clause):
            result["text"] = clause_label(obj)
        return result


class SharedLabelsMixin:
    shared_labels: dict[str, str] | None = None

    def optgroups(self, name, value, attr=None):
        if self.shared_labels is None:
            return super().optgroups(name, value, attr)
        selected = [str(v) for v in value if str(v) not in self.choices.field.empty_values]
        options = []
        if not self.is_required and not self.allow_multiple_selected:
            options.append(self.create_option(name, "", "", False, 0))
        for option_value in selected:
            if option_value in self.shared_labels:
                options.append(
                    self.create_option(
                        name, option_value, self.shared_labels[option_value], True, len(options)
                    )
                )
        return [(None, options, 0)]


class SharedLabelsAutocompleteSelect(SharedLabelsMixin, AutocompleteSelect):
    pass


class SharedLabelsAutocompleteSelectMultiple(SharedLabelsMixin, AutocompleteSelectMultiple):
    pass
