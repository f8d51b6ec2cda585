"""Forms reviewers fill in: a reply, a note, the case state, a share, the inbox filters."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from clarion import vault
from clarion.casework.actions import CLOSE_IN_TWO_STEPS, ClosureRecord, TriageRecord
from clarion.casework.export import ExportLock, LockKind
from clarion.casework.models import Label, Status, Triage
from clarion.intake.forms import MESSAGE_MAX_CHARS, MultipleFileField
from clarion.intake.models import Channel
from clarion.web.forms import YES_NO


def _username_choice(user: User) -> str:
    return user.get_username()


class ReplyForm(forms.Form):
    message = forms.CharField(
        label="Reply to the source",
        help_text="The source reads this after logging in with their receipt.",
        max_length=MESSAGE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    attachments = MultipleFileField(label="Files for the source", required=False)
    gives_feedback = forms.BooleanField(
        label="This reply gives the source feedback: the action planned or taken, and its grounds",
        help_text="The EU Whistleblowing Directive asks for feedback within three months (Art. 9(1)(f)).",
        required=False,
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label="Internal note",
        help_text="Only reviewers who can read this tip see notes; never the source.",
        max_length=MESSAGE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class CaseForm(forms.Form):
    """Status, labels, assignee and flag, with the triage or reopening they may need (closing is apart)."""

    status = forms.ModelChoiceField(
        queryset=Status.objects.all(),
        empty_label=None,
        help_text=gettext_lazy("To close the tip, propose its closure below: a second reader approves it."),
    )
    labels = forms.ModelMultipleChoiceField(
        queryset=Label.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    assignee = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False, empty_label="Nobody")
    important = forms.BooleanField(label="Important", required=False)

    triage_category = forms.CharField(label="Triage: category", max_length=100, required=False)
    triage_in_scope = forms.ChoiceField(
        label="Triage: within the scope of this tip line?", choices=YES_NO, required=False, widget=forms.RadioSelect
    )
    triage_priority = forms.ChoiceField(
        label="Triage: priority", choices=[("", "—"), *Triage.Priority.choices], required=False
    )
    triage_outcome = forms.ChoiceField(
        label="Triage: outcome", choices=[("", "—"), *Triage.Outcome.choices], required=False
    )
    triage_reasons = forms.CharField(
        label="Triage: reasons", max_length=MESSAGE_MAX_CHARS, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    reopen_reason = forms.CharField(
        label="Reason for reopening",
        max_length=MESSAGE_MAX_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    TRIAGE_FIELDS = ("triage_category", "triage_in_scope", "triage_priority", "triage_outcome", "triage_reasons")

    def __init__(self, *args: Any, readers: QuerySet[User], current_status: Status, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["assignee"]).queryset = readers
        cast(Any, self.fields["assignee"]).label_from_instance = _username_choice
        # A closed status is entered only through an approved closure (ClosureProposalForm).
        cast(forms.ModelChoiceField, self.fields["status"]).queryset = Status.objects.exclude(
            kind=Status.Kind.CLOSED
        ) | Status.objects.filter(pk=current_status.pk)
        self.fields["status"].error_messages["invalid_choice"] = CLOSE_IN_TWO_STEPS
        if not Label.objects.exists():
            self.fields["labels"].help_text = "No labels yet: admins add them in the administration pages."

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for group, label in ((self.TRIAGE_FIELDS, "triage"),):
            filled = [name for name in group if cleaned.get(name) not in (None, "")]
            if filled and len(filled) < len(group):
                for name in group:
                    if name not in filled:
                        self.add_error(name, f"Fill in every {label} field, or none.")
        return cleaned

    def triage(self) -> TriageRecord | None:
        data = self.cleaned_data
        if not data.get("triage_category"):
            return None
        return TriageRecord(
            category=data["triage_category"],
            in_scope=data["triage_in_scope"] == "yes",
            priority=data["triage_priority"],
            outcome=data["triage_outcome"],
            reasons=data["triage_reasons"],
        )


class ClosureProposalForm(forms.Form):
    """A reader's proposal to close the tip; a different reader approves it before it closes."""

    closure_status = forms.ModelChoiceField(
        label=gettext_lazy("Close as"), queryset=Status.objects.filter(kind=Status.Kind.CLOSED), empty_label=None
    )
    findings = forms.CharField(
        label=gettext_lazy("Findings"), max_length=MESSAGE_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 3})
    )
    actions_taken = forms.CharField(
        label=gettext_lazy("Actions taken"), max_length=MESSAGE_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 3})
    )

    def closure(self) -> ClosureRecord:
        data = self.cleaned_data
        return ClosureRecord(
            status=data["closure_status"], findings=data["findings"], actions_taken=data["actions_taken"]
        )


class ShareForm(forms.Form):
    reviewer = forms.ModelChoiceField(label="Share with", queryset=get_user_model().objects.none())

    def __init__(self, *args: Any, candidates: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["reviewer"]).queryset = candidates
        cast(Any, self.fields["reviewer"]).label_from_instance = _username_choice


AGE_PUBLIC_KEY = re.compile(r"age1[0-9a-z]+")


class ExportForm(forms.Form):
    """Choose what opens an export: an age key the reviewer holds, a passphrase, or the organisation's key.

    The passphrase is asked twice (a typo would lock the export for good) and is never shown
    back, stored or logged (the view is marked `sensitive_post_parameters`).
    """

    route = forms.ChoiceField(
        label=_("Who will open the export"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how the export will be opened."),
            "invalid_choice": _("Choose one of the ways shown: no organisation key is registered."),
        },
    )
    public_key = forms.CharField(
        label=_("Your age public key (for “a key you hold”)"),
        help_text=_(
            "On your offline machine, run age-keygen -o my-key.txt and paste the public key it prints "
            "(age1…). The secret key stays in my-key.txt on that machine."
        ),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"}),
    )
    passphrase = forms.CharField(
        label=_("Passphrase (for “a passphrase”)"),
        required=False,
        strip=False,
        max_length=1000,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    passphrase_again = forms.CharField(
        label=_("The same passphrase again"),
        required=False,
        strip=False,
        max_length=1000,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, offline_key: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offline_key = offline_key
        choices = [
            (LockKind.KEY.value, _("A key you hold: its public key, pasted below")),
            (LockKind.PASSPHRASE.value, _("A passphrase you choose, typed twice below")),
        ]
        if offline_key:
            choices.append((LockKind.ORGANISATION.value, _("The organisation's offline key")))
        cast(forms.ChoiceField, self.fields["route"]).choices = choices
        self.fields["route"].initial = LockKind.ORGANISATION.value if offline_key else LockKind.KEY.value
        self.fields["passphrase"].help_text = _(
            "At least %(count)d characters, for example five random words. Clarion does not keep it: "
            "give it to whoever opens the export by another way than the export itself."
        ) % {"count": vault.MIN_PASSPHRASE_CHARS}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        route = cleaned.get("route")
        if route == LockKind.KEY:
            cleaned["public_key"] = self._public_key(cleaned.get("public_key", ""))
        elif route == LockKind.PASSPHRASE:
            self._check_passphrase(cleaned.get("passphrase", ""), cleaned.get("passphrase_again", ""))
        return cleaned

    def _public_key(self, typed: str) -> str:
        text = typed.strip().lower()
        if "age-secret-key-" in text:
            # A secret key pasted by mistake is neither kept nor shown back in the page.
            data = cast(QueryDict, self.data).copy()
            data["public_key"] = ""
            self.data = data
            self.add_error(
                "public_key",
                _(
                    "This is a secret key: it must never leave your offline machine. Paste the public key "
                    "(it starts with age1) instead, and make a new key pair if this one was copied anywhere."
                ),
            )
            return ""
        if not text:
            self.add_error("public_key", _("Paste the public key of the age key you will open the export with."))
            return ""
        # age-keygen prints "Public key: age1…" and writes "# public key: age1…": take the key from either.
        found = AGE_PUBLIC_KEY.findall(text)
        if len(found) != 1 or not vault.is_valid_recipient(found[0]):
            self.add_error(
                "public_key",
                _(
                    "This is not an age public key. It starts with age1 and is 62 characters long: copy it "
                    "whole from what age-keygen printed."
                ),
            )
            return ""
        return found[0]

    def _check_passphrase(self, passphrase: str, again: str) -> None:
        if not passphrase:
            self.add_error("passphrase", _("Choose a passphrase and type it in both boxes."))
        elif len(passphrase) < vault.MIN_PASSPHRASE_CHARS:
            self.add_error(
                "passphrase",
                _("This passphrase is too short: use at least %(count)d characters, for example five random words.")
                % {"count": vault.MIN_PASSPHRASE_CHARS},
            )
        elif passphrase != again:
            self.add_error("passphrase_again", _("The two passphrases differ: type the same passphrase in both boxes."))

    def lock(self) -> ExportLock:
        """Return what the export's keys will be locked with."""
        route = LockKind(self.cleaned_data["route"])
        if route == LockKind.PASSPHRASE:
            return ExportLock(kind=route, passphrase=self.cleaned_data["passphrase"])
        if route == LockKind.ORGANISATION:
            return ExportLock(kind=route, recipient=vault.AgeRecipientStr(self.offline_key))
        return ExportLock(kind=route, recipient=self.cleaned_data["public_key"])


class InboxFilterForm(forms.Form):
    channel = forms.ModelChoiceField(queryset=Channel.objects.all(), required=False, empty_label="All")
    status = forms.ModelChoiceField(queryset=Status.objects.all(), required=False, empty_label="All")
    label = forms.ModelChoiceField(queryset=Label.objects.all(), required=False, empty_label="All")
    assignee = forms.ChoiceField(required=False)
    unread = forms.BooleanField(label="Unread only", required=False)
    deadline = forms.ChoiceField(
        required=False,
        choices=[("", "Any"), ("overdue", "Overdue"), ("soon", "Due within two days")],
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("received", "Newest first"),
            ("-received", "Oldest first"),
            ("activity", "Latest activity"),
            ("-activity", "Least recent activity"),
            ("reference", "Reference"),
            ("status", "Status"),
            ("assignee", "Assignee"),
            ("deadline", "Next deadline"),
        ],
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(Any, self.fields["channel"]).label_from_instance = str
        assignees = get_user_model().objects.filter(assigned_cases__isnull=False).distinct().order_by("username")
        cast(forms.ModelChoiceField, self.fields["assignee"]).choices = [
            ("", "Anyone"),
            ("me", "Me"),
            ("none", "Nobody"),
            *((str(u.pk), u.get_username()) for u in assignees if u.pk != user.pk),
        ]
