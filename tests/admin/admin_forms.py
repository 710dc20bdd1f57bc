"""Submit an admin change form the way a browser would: as it was rendered."""

from __future__ import annotations


def _field_value(bound_field):
    value = bound_field.value()
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return str(value)


def _form_fields(form, data):
    for name in form.fields:
        data[form.add_prefix(name)] = _field_value(form[name])


def change_form_data(response) -> dict:
    """The POST data of the change form in ``response``, inlines included."""
    data = {}
    _form_fields(response.context["adminform"].form, data)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, field in formset.management_form.fields.items():
            data[formset.management_form.add_prefix(name)] = _field_value(
                formset.management_form[name]
            ) or str(field.initial or 0)
        for form in formset.forms:
            _form_fields(form, data)
    return {key: value for key, value in data.items() if value != []}
