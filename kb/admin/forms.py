"""Forms of the admin's own: the lost-update guard of every change form, the clause's
lineage rule, the party merge and the audit filter."""

from django import forms
from django.contrib.auth import get_user_model

from kb import workflow
from kb.diffs import normalise_newlines


class NewlineNormalisingField(forms.CharField):
    """A text field whose line breaks are ``\\n`` whatever the browser sent."""

    def to_python(self, value):
        return normalise_newlines(super().to_python(value))


class VersionGuardedForm(forms.ModelForm):
    """Carries the version the editor loaded; refuses to save over a newer one.

    The check here gives the editor the message and keeps their input; the
    conditional UPDATE in ``workflow.claim_version`` makes it race-free at save time.
    """

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["loaded_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            return cleaned
        loaded = cleaned.get("loaded_version")
        if loaded != self.instance.version:
            message = workflow.conflict_message(
                type(self.instance), self.instance.pk, loaded if loaded is not None else 0
            )
            # The next save starts from the version the editor has now been shown.
            self.data = self.data.copy()
            self.data[self.add_prefix("loaded_version")] = self.instance.version
            raise forms.ValidationError(message, code="version_conflict")
        return cleaned


class ClauseForm(VersionGuardedForm):
    """A clause's form (alone or inline): the lost-update guard, and only Publishers
    set or remove a ``supersedes`` link that touches a published clause.
    ``for_user()`` makes the form of one request's user."""

    user = None

    @classmethod
    def for_user(cls, form_class: type[forms.ModelForm], user) -> type[forms.ModelForm]:
        return type(form_class.__name__, (form_class,), {"user": user})

    def clean_supersedes(self):
        earlier = self.cleaned_data.get("supersedes")
        before = self.instance.supersedes_id if self.instance.pk is not None else None
        refusal = workflow.lineage_change_refusal(
            self.user, before, earlier.pk if earlier is not None else None
        )
        if refusal:
            raise forms.ValidationError(refusal, code="published_lineage")
        return earlier


class MergePartiesForm(forms.Form):
    """The intermediate page of the party merge: which of the chosen parties stays."""

    into = forms.ModelChoiceField(
        queryset=None,
        widget=forms.RadioSelect,
        label="Keep this party",
        help_text="The other parties' links move to it, and their names become its aliases.",
    )

    def __init__(self, *args, parties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = parties


class AuditFilterForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_staff=True).order_by("username"),
        required=False,
    )
    model = forms.ChoiceField(
        choices=[("", "All records"), ("announcement", "Announcements"), ("clause", "Clauses")],
        required=False,
    )
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


# The clause's subjects, dates and lineage, laid out alike on its own change form and
# inline in its announcement's.
SUBJECT_DATE_LINEAGE_FIELDS = [
    ("topics", "parties"),
    ("effective_from", "effective_from_precision"),
    ("effective_until", "effective_until_precision"),
    "supersedes",
]
