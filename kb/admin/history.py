"""History pages: simple_history's, behind the model's permission."""

from django.core.exceptions import PermissionDenied
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

    def history_view(self, request, object_id, extra_context=None):
        self._check_history_permission(request)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._check_history_permission(request)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def _check_history_permission(self, request):
        if not self.has_view_history_or_change_history_permission(request):
            raise PermissionDenied
