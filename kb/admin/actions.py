"""The publishing workflow: actions on the change list, and on the change form a badge
with the record's state and a button for each transition that applies to it. States
change only through ``kb.workflow``."""

from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import path, reverse

from kb import workflow

# Refusals listed one by one in the change list's message; the rest are counted.
LISTED_REFUSALS = 5


class WorkflowActionsMixin:
    actions = ["send_to_review", "publish", "retract", "back_to_draft"]

    def has_publish_permission(self, request):
        return request.user.has_perm(workflow.PUBLISH_PERMISSION)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        transition = path(
            "<path:object_id>/transition/<str:name>/",
            self.admin_site.admin_view(self.transition_view),
            name="{}_{}_transition".format(*info),
        )
        return [transition, *super().get_urls()]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            context["transitions"] = [
                (name, step.label)
                for name, step in workflow.available_transitions(request.user, obj)
            ]
        return super().render_change_form(request, context, add, change, form_url, obj)

    def transition_view(self, request, object_id, name):
        """One transition from the change form's buttons, then back to the form."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if name not in workflow.TRANSITIONS:
            raise Http404
        if not request.user.has_perm(workflow.EDIT_PERMISSION):
            raise PermissionDenied
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        try:
            workflow.transition(obj, name, by=request.user)
        except workflow.WorkflowError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            step = workflow.TRANSITIONS[name]
            self.message_user(request, f"“{obj}” is {step.done}.", messages.SUCCESS)
        return redirect(
            reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])
        )

    def response_action(self, request, queryset, action_location=ActionLocation.CHANGE_LIST):
        # The publishing actions are not offered to Editors; say why if one is sent.
        requested = set(request.POST.getlist("action"))
        publishing = {n for n, step in workflow.TRANSITIONS.items() if step.publishers_only}
        if requested & publishing and not self.has_publish_permission(request):
            self.message_user(request, workflow.PUBLISHERS_ONLY, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset, action_location)

    def _run_transition(self, request, queryset, name):
        step = workflow.TRANSITIONS[name]
        done, refused = 0, []
        for announcement in queryset:
            try:
                workflow.transition(announcement, name, by=request.user)
            except workflow.WorkflowError as error:
                refused.append(error.message)
            else:
                done += 1
        if done:
            noun = "announcement" if done == 1 else "announcements"
            self.message_user(request, f"{done} {noun} {step.done}.", messages.SUCCESS)
        if refused:
            # One message for the whole selection: an action that applies to none of
            # the selected records says so instead of looking like it did nothing.
            noun = "announcement was" if len(refused) == 1 else "announcements were"
            listed = " ".join(refused[:LISTED_REFUSALS])
            more = len(refused) - LISTED_REFUSALS
            self.message_user(
                request,
                f"{len(refused)} {noun} not {step.done}. {listed}"
                + (f" And {more} more." if more > 0 else ""),
                messages.ERROR,
            )

    @admin.action(description="Send to review", permissions=["change"])
    def send_to_review(self, request, queryset):
        self._run_transition(request, queryset, "send_to_review")

    @admin.action(description="Publish", permissions=["publish"])
    def publish(self, request, queryset):
        self._run_transition(request, queryset, "publish")

    @admin.action(description="Retract", permissions=["publish"])
    def retract(self, request, queryset):
        self._run_transition(request, queryset, "retract")

    @admin.action(description="Back to draft", permissions=["change"])
    def back_to_draft(self, request, queryset):
        self._run_transition(request, queryset, "back_to_draft")
