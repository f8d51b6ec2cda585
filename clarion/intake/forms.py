"""Forms sources fill in: a channel's questions, a receipt, a follow-up message."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from clarion.intake.models import Channel, Question
from clarion.vault import InvalidReceipt, Receipt, normalise_receipt
from clarion.web.forms import YES_NO

MESSAGE_MAX_CHARS = 100_000
SHORT_TEXT_MAX_CHARS = 1_000


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single_clean = super().clean
        if isinstance(data, list | tuple):
            return [single_clean(item, initial) for item in data]
        return [single_clean(data, initial)] if data else []


NO_ANSWER = _("No answer")
NOT_CHOSEN = _("Not chosen yet")
CHOOSE_ONE = _("Choose one of the answers.")


class ChoiceRadioSelect(forms.RadioSelect):
    """Radio buttons that never select an answer the source did not choose.

    Text browsers (lynx) select, and send, the first radio button of a group when the page
    checks none. So the empty value always comes first in a required question: as a button
    hidden from graphical browsers, "Not chosen yet", which lynx lands on and the form then
    refuses. An optional question lists its "No answer" button last, checked from the start.
    """

    def __init__(self, *args: Any, required: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.required = required

    def create_option(self, name: str, value: Any, label: Any, selected: bool, *args: Any, **kwargs: Any) -> dict:
        option = super().create_option(name, value, label, selected, *args, **kwargs)
        if value == "" and self.required:
            option["selected"] = False
            option["attrs"].pop("checked", None)
            option["attrs"]["hidden"] = True
        return option


def _choice_field(choices: list[tuple[str, Any]], common: dict[str, Any]) -> forms.ChoiceField:
    required = common["required"]
    if required:
        choices = [("", NOT_CHOSEN), *choices]
    else:
        choices = [*choices, ("", NO_ANSWER)]
    return forms.ChoiceField(
        choices=choices,
        widget=ChoiceRadioSelect(required=required),
        initial="",
        error_messages={"required": CHOOSE_ONE},
        **common,
    )


def _field_for(question: Question) -> forms.Field:
    common: dict[str, Any] = {"label": question.label, "help_text": question.help_text, "required": question.required}
    kind = question.kind
    if kind == Question.Kind.SHORT_TEXT:
        return forms.CharField(max_length=SHORT_TEXT_MAX_CHARS, **common)
    if kind == Question.Kind.LONG_TEXT:
        return forms.CharField(max_length=MESSAGE_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 6}), **common)
    if kind == Question.Kind.SINGLE_CHOICE:
        return _choice_field([(c, c) for c in question.choice_list], common)
    if kind == Question.Kind.MULTIPLE_CHOICE:
        choices = [(c, c) for c in question.choice_list]
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
    if kind == Question.Kind.DATE:
        return forms.DateField(
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            input_formats=["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"],
            error_messages={"invalid": "Enter a date as year-month-day, for example 2026-03-14."},
            **common,
        )
    if kind == Question.Kind.YES_NO:
        return _choice_field(YES_NO, common)
    if kind == Question.Kind.FILE:
        return forms.FileField(**common)
    raise ValueError(f"unknown question kind {kind!r}")


class SubmissionForm(forms.Form):
    """A channel's questions, a free message and attachments."""

    def __init__(self, *args: Any, channel: Channel, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.channel = channel
        self.questions = [q for q in channel.questions.all() if channel.allow_files or q.kind != Question.Kind.FILE]
        for question in self.questions:
            self.fields[question.field_name] = _field_for(question)
        self.fields["message"] = forms.CharField(
            label="Your message",
            help_text="Anything else we should know: what happened, when, who else knows. "
            "Leave out details that only you could know if they would identify you.",
            required=False,
            max_length=MESSAGE_MAX_CHARS,
            widget=forms.Textarea(attrs={"rows": 10}),
        )
        if channel.allow_files:
            self.fields["attachments"] = MultipleFileField(
                label="Files",
                required=False,
                help_text=f"Up to {channel.max_files} files. Documents can carry hidden details "
                "(author, device, location): remove them if you can.",
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not self.has_content(cleaned):
            raise forms.ValidationError(
                "Your tip is empty. Write a message, answer a question or attach a file, then send it again."
            )
        return cleaned

    @staticmethod
    def has_content(cleaned: dict[str, Any]) -> bool:
        return any(value not in (None, "", [], ()) for value in cleaned.values())

    def answers(self) -> list[dict[str, Any]]:
        """Return the answers in question order, as they will be encrypted."""
        result = []
        for question in self.questions:
            value = self.cleaned_data.get(question.field_name)
            if question.kind == Question.Kind.FILE:
                value = value.name if value else None
            elif question.kind == Question.Kind.DATE:
                value = value.isoformat() if value else None
            elif question.kind in (Question.Kind.SINGLE_CHOICE, Question.Kind.YES_NO):
                value = value or None  # "No answer"
            result.append({"question": question.label, "kind": question.kind, "answer": value})
        return result

    def uploads(self) -> list[tuple[Question | None, Any]]:
        """Return every accepted file with the question it answers (None for attachments)."""
        files: list[tuple[Question | None, Any]] = []
        for question in self.questions:
            if question.kind == Question.Kind.FILE and self.cleaned_data.get(question.field_name):
                files.append((question, self.cleaned_data[question.field_name]))
        files.extend((None, upload) for upload in self.cleaned_data.get("attachments", []))
        return files


class ReceiptForm(forms.Form):
    receipt = forms.CharField(
        label="Your receipt",
        help_text="The seven words you were given when you sent your tip.",
        max_length=400,
        # Two lines, so that on a phone all seven words stay in view while the source checks them.
        widget=forms.Textarea(
            attrs={"rows": 2, "autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    pending_message = forms.CharField(required=False, widget=forms.HiddenInput, max_length=MESSAGE_MAX_CHARS)

    def clean_receipt(self) -> Receipt:
        try:
            return normalise_receipt(self.cleaned_data["receipt"])
        except InvalidReceipt as error:
            raise forms.ValidationError(str(error)) from None


class FollowUpForm(forms.Form):
    message = forms.CharField(
        label="New message", required=False, max_length=MESSAGE_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 8})
    )

    def __init__(self, *args: Any, channel: Channel, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if channel.allow_files:
            self.fields["attachments"] = MultipleFileField(label="More files", required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not cleaned.get("message") and not cleaned.get("attachments"):
            raise forms.ValidationError("Write a message or attach a file before sending.")
        return cleaned
