"""Suggestions an editor has dismissed: never suggested again for that clause."""

from django.conf import settings
from django.db import models


class LineageDismissal(models.Model):
    clause = models.ForeignKey(
        "kb.Clause", on_delete=models.CASCADE, related_name="lineage_dismissals"
    )
    candidate = models.ForeignKey("kb.Clause", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "kb"
        constraints = [
            models.UniqueConstraint(
                fields=["clause", "candidate"], name="lineage_dismissal_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(clause=models.F("candidate")),
                name="lineage_dismissal_not_self",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate_id} dismissed for {self.clause_id}"
