"""Autocomplete widgets that share one label query across the inline clause forms:
one query per related model for the labels of all widgets, instead of one per
widget per clause."""

from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple


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
