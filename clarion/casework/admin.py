from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clarion.casework.access import channel_receiver_candidates, receiver_refusal
from clarion.casework.actions import CaseRuleError, do_set_channel_receivers, tips_given_by_channel
from clarion.casework.models import Label, Status
from clarion.intake.admin import ChannelAdmin as IntakeChannelAdmin
from clarion.intake.models import Channel
from clarion.web.staff_request import staff_user

SHOWN_REFERENCES = 50


@admin.register(Status)
class StatusAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["name"]


class ReceiversField(forms.ModelMultipleChoiceField):
    """Offer reviewers who hold a key; refuse anyone else by name, saying why.

    A person chosen who is not offered (a crafted form, a role taken away since) would get
    Django's "Select a valid choice. 7 is not one of the available choices", which says
    nothing to an admin: they are looked up among everyone and named instead.
    """

    def _check_values(self, value: Any) -> QuerySet:
        try:
            chosen = get_user_model().objects.filter(pk__in=[int(pk) for pk in value])
        except (TypeError, ValueError):
            chosen = get_user_model().objects.none()  # Django's own message below names the bad value
        refusals = [refusal for user in chosen if (refusal := receiver_refusal(user))]
        if refusals:
            raise ValidationError(refusals, code="not_a_receiver")
        return super()._check_values(value)  # type: ignore[misc]  # Django's private check, absent from the stubs


class ChannelForm(forms.ModelForm):
    receivers = ReceiversField(
        queryset=get_user_model().objects.none(),
        required=False,
        label=gettext_lazy("Receivers"),
        help_text=gettext_lazy(
            "Reviewers who read the tips sent through this channel from now on. Only reviewers who have "
            "finished enrolment (they hold a key) can be chosen. Taking someone off takes back every tip "
            "this channel gave them; tips shared with them stay."
        ),
    )

    class Meta:
        model = Channel
        # The admin page edits every field of a channel (the admin works out its fields from this form).
        fields = "__all__"  # noqa: DJ007

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelMultipleChoiceField, self.fields["receivers"])
        offered = channel_receiver_candidates()
        if self.instance.pk:
            # Someone no longer eligible stays visible, so the admin can take them off.
            current = self.instance.receivers.values("pk")
            offered = get_user_model().objects.filter(pk__in=offered.values("pk")) | get_user_model().objects.filter(
                pk__in=current
            )
            self.initial.setdefault("receivers", list(self.instance.receivers.values_list("pk", flat=True)))
        field.queryset = offered.distinct().order_by("username")
        field.label_from_instance = lambda user: user.get_username()  # type: ignore[method-assign, assignment]


def _references(references: list[str]) -> str:
    shown = ", ".join(references[:SHOWN_REFERENCES])
    more = len(references) - SHOWN_REFERENCES
    return shown + (_(" and %(count)d more") % {"count": more} if more > 0 else "")


class ChannelAdmin(IntakeChannelAdmin):
    """The channel page with its receivers: each change goes through `do_set_channel_receivers`.

    Before saving, the page lists for each receiver the tips that taking them off would take
    back; after saving, a message names the tips each person lost.
    """

    form = ChannelForm
    exclude = None  # type: ignore[assignment]
    filter_horizontal = ["receivers"]
    readonly_fields = ["what_taking_someone_off_takes_back"]

    @admin.display(description=gettext_lazy("Taking someone off this channel"))
    def what_taking_someone_off_takes_back(self, channel: Channel) -> str:
        if channel.pk is None or not channel.receivers.exists():
            return _("Nobody receives this channel yet.")
        rows = []
        for user in channel.receivers.order_by("username"):
            references = tips_given_by_channel(channel=channel, user=user)
            lost = _references(references) if references else _("no tip")
            rows.append((user.get_username(), lost))
        return format_html(
            "<p>{}</p><ul>{}</ul>",
            _(
                "Taking a receiver off takes back the tips this channel gave them (listed here); tips shared "
                "with them stay. Adding them again later gives none of these back: a reader must share each one."
            ),
            format_html_join("", "<li>{} {}: {}</li>", ((name, _("would lose"), lost) for name, lost in rows)),
        )

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        receivers = form.cleaned_data.pop("receivers", [])
        super().save_related(request, form, formsets, change)
        try:
            taken_back = do_set_channel_receivers(actor=staff_user(request), channel=form.instance, receivers=receivers)
        except CaseRuleError as error:  # pragma: no cover - the form refused it already
            messages.error(request, error.message)
            return
        for removal in taken_back:
            if removal.references:
                # Starts with words, not the name: the admin capitalises a message's first letter.
                text = _(
                    "Taken off this channel: %(name)s, who can no longer read %(references)s. Tips shared "
                    "with them stay; adding them again does not give these back."
                ) % {"name": removal.user.get_username(), "references": _references(removal.references)}
            else:
                text = _("Taken off this channel: %(name)s, who read none of its tips through it.") % {
                    "name": removal.user.get_username()
                }
            messages.warning(request, text)


admin.site.unregister(Channel)
admin.site.register(Channel, ChannelAdmin)
