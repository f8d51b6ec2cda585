"""Admin pages for what surrounds posts: settings, categories and tags.

Posts themselves are written, approved and retracted only on the editors' pages
(`/staff/posts/`), whose actions enforce the two-person rule and the redaction check; the
admin never offers a way around them. Unticking "require a second editor" here only proposes
switching the rule off: a second admin confirms it (here, or on /staff/publishing/rule/).
Every change is recorded in the hash-chained audit log.
"""

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from clarion.publishing import actions
from clarion.publishing.models import Category, SiteSettings, Tag
from clarion.web.staff_request import staff_user


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    fields = ["require_second_editor", "deny_list", "corrections_policy", "sourcing_policy", "security_contact"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not SiteSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: SiteSettings | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: SiteSettings, form: forms.ModelForm, change: bool) -> None:
        """Save the other settings as they are; turn the rule's box into a proposal, a confirmation or a switch on."""
        wanted_on = form.cleaned_data.get("require_second_editor", True)
        current = SiteSettings.objects.filter(pk=obj.pk).first()
        if current is not None:
            obj.require_second_editor = current.require_second_editor
            obj.rule_off_proposed_by = current.rule_off_proposed_by
            obj.rule_off_proposed_at = current.rule_off_proposed_at
        super().save_model(request, obj, form, change)
        actions.record_settings_change(
            actor=staff_user(request), changed=[name for name in form.changed_data if name != "require_second_editor"]
        )
        if current is None or wanted_on == current.require_second_editor and current.rule_off_proposed_by_id is None:
            return
        try:
            if wanted_on:
                actions.do_keep_rule_on(actor=staff_user(request))
            elif current.rule_off_proposed_by_id not in (None, request.user.pk):
                actions.do_confirm_rule_off(actor=staff_user(request))
            elif current.rule_off_proposed_by_id is None:
                actions.do_propose_rule_off(actor=staff_user(request))
                self.message_user(
                    request,
                    _(
                        "The two-person rule stays on until a second admin confirms switching it off "
                        "(on the staff page for the rule, or by unticking it here)."
                    ),
                    messages.WARNING,
                )
            else:
                self.message_user(request, _("You proposed this already: a second admin must confirm it."))
        except actions.WorkflowError as error:
            self.message_user(request, str(error), messages.ERROR)
        obj.refresh_from_db()


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
