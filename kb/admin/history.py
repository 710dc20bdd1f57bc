"""History pages: simple_history's, behind the model's permission."""

from django.contrib.admin import helpers
from django.contrib.admin.options import ActionLocation
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from simple_history.admin import SimpleHistoryAdmin


def m2m_snapshots(records, field) -> dict[int, str]:
    """For each historical record, the names of its related objects at that version."""
    snapshot_model = getattr(records[0], field.name).model
    target = field.m2m_reverse_field_name()
    rows = (
        snapshot_model.objects.filter(history_id__in=[record.history_id for record in records])
        .order_by(f"{target}__name")
        .values_list("history_id", f"{target}__name")
    )
    names: dict[int, list[str]] = {}
    for history_id, name in rows:
        names.setdefault(history_id, []).append(name)
    return {history_id: ", ".join(found) for history_id, found in names.items()}


class PermissionFirstHistoryAdmin(SimpleHistoryAdmin):
    """simple_history's history pages, refusing a user without the model's permission
    before looking the record up: simple_history looks first, so a Reader got a 403
    for a record that exists and a 404 for one that does not (as Django's change and
    delete views do, both are now a 403)."""

    def response_action(self, request, queryset, action_location=ActionLocation.CHANGE_LIST):
        # A selection that names no possible record is a bad request, not a 500 from
        # the database.
        for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
            try:
                self.opts.pk.to_python(value)
            except ValidationError:
                raise BadRequest(
                    f"“{value}” is not the id of a {self.opts.verbose_name}."
                ) from None
        return super().response_action(request, queryset, action_location)

    def history_view(self, request, object_id, extra_context=None):
        self._check_history_permission(request)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._check_history_permission(request)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def _check_history_permission(self, request):
        if not self.has_view_history_or_change_history_permission(request):
            raise PermissionDenied
