from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group, User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from clarion.accounts.actions import (
    AccountError,
    do_create_invitation,
    do_delete_group,
    do_save_group,
    do_save_organisation,
    do_set_active,
    do_set_roles,
)
from clarion.accounts.models import Invitation, KeyCustody, Organisation
from clarion.accounts.roles import Role
from clarion.web.staff_request import staff_user


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    """The organisation's name and offline key; a change of key goes into the audit chain."""

    list_display = ["name", "mission", "offline_public_key"]

    def save_model(self, request: HttpRequest, obj: Organisation, form: forms.ModelForm, change: bool) -> None:
        do_save_organisation(actor=staff_user(request), organisation=obj)

    def has_delete_permission(self, request: HttpRequest, obj: Organisation | None = None) -> bool:
        # Deleting the row would drop the offline key without a trace in the audit chain.
        return False


@admin.register(KeyCustody)
class KeyCustodyAdmin(admin.ModelAdmin):
    """Key custody, to look at only.

    Deleting a row locks its person out of every tip wrapped to them, for good (I6); adding or
    changing one would let an admin swap in a key they hold, to which new tips are then wrapped.
    Keys are made at enrolment and replaced by a reset, both audited.
    """

    list_display = ["user", "public_key", "created_at"]
    fields = ["user", "public_key", "created_at"]
    readonly_fields = ["user", "public_key", "created_at"]

    def has_add_permission(self, request: HttpRequest, obj: KeyCustody | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: KeyCustody | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: KeyCustody | None = None) -> bool:
        return False


class InvitationAddForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(choices=Role.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Invitation
        fields = ["roles", "email"]

    def clean_roles(self) -> str:
        return ",".join(self.cleaned_data["roles"])


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations: adding one shows its code once; only its hash is stored."""

    list_display = ["__str__", "roles", "created_by", "created_at", "expires_at", "used_at"]
    readonly_fields = ["roles", "email", "for_user", "created_by", "created_at", "expires_at", "used_at"]
    exclude = ["code_hash"]
    form = InvitationAddForm

    def get_readonly_fields(self, request: HttpRequest, obj: Invitation | None = None) -> list[str]:
        return self.readonly_fields if obj else []

    def get_form(
        self, request: HttpRequest, obj: Invitation | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        if obj is None:
            kwargs["form"] = InvitationAddForm
            kwargs["fields"] = ["roles", "email"]
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request: HttpRequest, obj: Invitation, form: forms.ModelForm, change: bool) -> None:
        if change:
            return  # invitations are not edited; delete one to revoke it
        invitation, code = do_create_invitation(actor=staff_user(request), roles=obj.role_list, email=obj.email)
        obj.pk = invitation.pk
        request._clarion_invitation_code = code  # type: ignore[attr-defined]  # shown by response_add, never stored

    def response_add(self, request: HttpRequest, obj: Invitation, post_url_continue: str | None = None) -> HttpResponse:
        return render(
            request,
            "accounts/invitation_code.html",
            {
                "invitation": obj,
                "code": request._clarion_invitation_code,  # type: ignore[attr-defined]
                "days": settings.STAFF_INVITATION_DAYS,
            },
        )


class StaffUserChangeForm(UserChangeForm):
    # Not even read-only: the page would show the hash, salt and parameters of the password (M7).
    password = None  # type: ignore[assignment]


class StaffUserAdmin(UserAdmin):
    """People in the Django admin: roles and flags only; passwords and accounts are made elsewhere.

    A password set here would not re-wrap the person's key (it opens only with the old
    password), and a person added here would have neither key nor authenticator: so people
    join by invitation, change their own password, and are reset from /staff/people/. Nobody
    is deleted here either: that would delete their key custody with them (I6); people are
    disabled instead, which keeps the audit log's names meaningful.

    Roles are the groups; Django's admin flags follow the admin role (`do_set_roles`) and are
    not set by hand, and there are no per-person permissions: every change of who may do what
    is one of the audited role changes.
    """

    form = StaffUserChangeForm
    fieldsets = (
        (None, {"fields": ("username",)}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Roles and access"), {"fields": ("is_active", "groups", "is_staff", "is_superuser")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ["is_staff", "is_superuser", "last_login", "date_joined"]
    filter_horizontal = ["groups"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False

    def get_urls(self) -> list:
        return [url for url in super().get_urls() if "password" not in str(url.pattern)]

    def save_model(self, request: HttpRequest, obj: User, form: forms.ModelForm, change: bool) -> None:
        active = obj.is_active
        if change and "is_active" in form.changed_data:
            obj.is_active = form.initial["is_active"]  # changed below, audited, sessions ended
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data:
            try:
                do_set_active(actor=staff_user(request), user=obj, active=active)
            except AccountError as error:
                messages.error(request, str(error))

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        groups = form.cleaned_data.pop("groups", None)
        super().save_related(request, form, formsets, change)
        if groups is not None:
            do_set_roles(actor=staff_user(request), user=form.instance, groups=groups)


class StaffGroupAdmin(GroupAdmin):
    """Groups: every change is audited; the groups that are roles keep their names and stay."""

    def get_readonly_fields(self, request: HttpRequest, obj: Group | None = None) -> list[str]:
        return ["name"] if obj is not None and obj.name in Role.values else []

    def has_delete_permission(self, request: HttpRequest, obj: Group | None = None) -> bool:
        # No bulk deletion either (obj is None there): a role could be among those selected.
        return obj is not None and obj.name not in Role.values

    def save_model(self, request: HttpRequest, obj: Group, form: forms.ModelForm, change: bool) -> None:
        pass  # saved with its permissions, in one audited action, by save_related

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        permissions = form.cleaned_data.pop("permissions", [])
        do_save_group(actor=staff_user(request), group=form.instance, permissions=permissions)
        super().save_related(request, form, formsets, change)

    def delete_model(self, request: HttpRequest, obj: Group) -> None:
        do_delete_group(actor=staff_user(request), group=obj)


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), StaffUserAdmin)
admin.site.unregister(Group)
admin.site.register(Group, StaffGroupAdmin)
