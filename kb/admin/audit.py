"""The audit page: the latest changes to announcements and clauses, for Publishers."""

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse

from kb.admin.forms import AuditFilterForm
from kb.models import Announcement, Clause

AUDIT_PAGE_SIZE = 100
AUDIT_MAX_PAGES = 20


def audit_view(site, request):
    """The latest changes to announcements and clauses, for Publishers."""
    if not request.user.has_perm("kb.view_audit_log"):
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = _page_number(request.GET.get("p"))
    wanted = page * AUDIT_PAGE_SIZE
    entries = []
    for model in (Announcement, Clause):
        if filters.get("model") and filters["model"] != model._meta.model_name:
            continue
        history = model.history.select_related("history_user")
        if filters.get("user"):
            history = history.filter(history_user=filters["user"])
        if filters.get("date_from"):
            history = history.filter(history_date__date__gte=filters["date_from"])
        if filters.get("date_to"):
            history = history.filter(history_date__date__lte=filters["date_to"])
        for record in history.order_by("-history_date", "-history_id")[: wanted + 1]:
            entries.append((model, record))
    entries.sort(key=lambda entry: entry[1].history_date, reverse=True)
    rows = [
        {
            "model": model._meta.verbose_name,
            "record": record,
            "history_url": reverse(f"admin:kb_{model._meta.model_name}_history", args=[record.id]),
        }
        for model, record in entries[wanted - AUDIT_PAGE_SIZE : wanted]
    ]
    context = {
        **site.each_context(request),
        "title": "Audit: latest changes",
        "opts": Announcement._meta,
        "form": form,
        "rows": rows,
        "page": page,
        "has_next": len(entries) > wanted and page < AUDIT_MAX_PAGES,
        "query": request.GET.copy(),
    }
    return TemplateResponse(request, "admin/kb/audit.html", context)


def _page_number(raw) -> int:
    try:
        return min(max(int(raw), 1), AUDIT_MAX_PAGES)
    except (TypeError, ValueError):
        return 1
