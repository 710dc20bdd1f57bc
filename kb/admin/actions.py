"""The publishing workflow as admin actions, on the change list and as buttons on
the change form. States change only through ``kb.workflow``."""

from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.http import HttpResponseRedirect

from kb import workflow

BOTH_LOCATIONS = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]


class WorkflowActionsMixin:
    actions = ["send_to_review", "publish", "retract", "back_to_draft"]

    def has_publish_permission(self, request):
        return request.user.has_perm(workflow.PUBLISH_PERMISSION)

    def response_action(self, request, queryset, action_location=ActionLocation.CHANGE_LIST):
        # The publishing actions are not offered to Editors; say why if one is sent.
        field = "action" if action_location == ActionLocation.CHANGE_LIST else "CHANGE_FORM-action"
        requested = set(request.POST.getlist(field))
        publishing = {n for n, step in workflow.TRANSITIONS.items() if step.publishers_only}
        if requested & publishing and not self.has_publish_permission(request):
            self.message_user(request, workflow.PUBLISHERS_ONLY, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset, action_location)

    def _run_transition(self, request, queryset, name):
        step = workflow.TRANSITIONS[name]
        done = 0
        for announcement in queryset:
            try:
                workflow.transition(announcement, name, by=request.user)
            except workflow.WorkflowError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                done += 1
        if done:
            noun = "announcement" if done == 1 else "announcements"
            self.message_user(request, f"{done} {noun} {step.done}.", messages.SUCCESS)

    @admin.action(description="Send to review", permissions=["change"], location=BOTH_LOCATIONS)
    def send_to_review(self, request, queryset):
        self._run_transition(request, queryset, "send_to_review")

    @admin.action(description="Publish", permissions=["publish"], location=BOTH_LOCATIONS)
    def publish(self, request, queryset):
        self._run_transition(request, queryset, "publish")

    @admin.action(description="Retract", permissions=["publish"], location=BOTH_LOCATIONS)
    def retract(self, request, queryset):
        self._run_transition(request, queryset, "retract")

    @admin.action(description="Back to draft", permissions=["change"], location=BOTH_LOCATIONS)
    def back_to_draft(self, request, queryset):
        self._run_transition(request, queryset, "back_to_draft")
