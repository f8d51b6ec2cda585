"""Admins manage people: invite, disable, and reset an account whose owner lost everything."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from clarion.accounts.actions import AccountError, do_create_invitation, do_reset_account, do_set_active
from clarion.accounts.forms import InviteForm
from clarion.web.decorators import admin_required
from clarion.web.staff_request import StaffRequest


@never_cache
@admin_required
def people(request: StaffRequest) -> HttpResponse:
    """List staff accounts with their roles and state."""
    users = get_user_model().objects.order_by("username").prefetch_related("groups")
    return render(request, "accounts/people.html", {"people": users, "invite_form": InviteForm()})


@never_cache
@admin_required
@require_POST
def invite(request: StaffRequest) -> HttpResponse:
    """Create an invitation and show its code, once."""
    form = InviteForm(request.POST)
    if not form.is_valid():
        users = get_user_model().objects.order_by("username")
        return render(request, "accounts/people.html", {"people": users, "invite_form": form}, status=400)
    invitation, code = do_create_invitation(
        actor=request.user, roles=form.cleaned_data["roles"], email=form.cleaned_data["email"]
    )
    return render(
        request,
        "accounts/invitation_code.html",
        {"invitation": invitation, "code": code, "days": settings.STAFF_INVITATION_DAYS},
    )


@never_cache
@admin_required
@require_http_methods(["GET", "POST"])
def reset(request: StaffRequest, user_id: int) -> HttpResponse:
    """Warn what a reset costs (old tips become unreadable to the person); reset on confirmation."""
    person = get_object_or_404(get_user_model(), pk=user_id)
    if request.method == "GET":
        return render(request, "accounts/reset_confirm.html", {"person": person})
    code = do_reset_account(actor=request.user, user=person)
    return render(
        request,
        "accounts/invitation_code.html",
        {"person": person, "code": code, "is_reset": True, "days": settings.STAFF_INVITATION_DAYS},
    )


@never_cache
@admin_required
@require_POST
def set_active(request: StaffRequest, user_id: int) -> HttpResponse:
    """Disable an account (ending its sessions now) or enable it again."""
    person = get_object_or_404(get_user_model(), pk=user_id)
    try:
        do_set_active(actor=request.user, user=person, active=request.POST.get("active") == "1")
    except AccountError:
        pass  # the people page says who may not be disabled; nothing changed
    return redirect("accounts:people")
