"""A staff member's own account: overview, password change, recovery with the recovery code."""

from __future__ import annotations

from django.contrib.auth import get_user_model, update_session_auth_hash
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from clarion import vault
from clarion.accounts import devices
from clarion.accounts.actions import AccountError, do_change_password, do_recover
from clarion.accounts.forms import PasswordChangeForm, RecoveryForm
from clarion.accounts.roles import is_admin, is_editor, is_reviewer
from clarion.accounts.sessions import rekey_staff_session
from clarion.web import security_events, throttle
from clarion.web.decorators import staff_login_required
from clarion.web.staff_request import StaffRequest

NOT_RECOVERED = "The user name, recovery code or one-time code is not right. Nothing was changed."


@never_cache
@staff_login_required
def landing(request: StaffRequest) -> HttpResponse:
    """Send a staff member to the page of their main work: tips, then posts, then people.

    `/staff/` is where notification emails link and where login goes when no page was asked
    for, so it answers for every staff member, whichever roles they hold.
    """
    user = request.user
    if is_reviewer(user):
        return redirect("casework:inbox")
    if is_editor(user):
        return redirect("editorial:list")
    if is_admin(user):
        return redirect("accounts:people")
    return redirect("accounts:home")


@never_cache
@staff_login_required
def home(request: StaffRequest) -> HttpResponse:
    """Show who is logged in, with which roles, and what they can do with their account."""
    user = request.user
    roles = [
        name
        for name, has in (("admin", is_admin(user)), ("reviewer", is_reviewer(user)), ("editor", is_editor(user)))
        if has
    ]
    return render(request, "accounts/home.html", {"roles": roles, "is_admin": "admin" in roles})


@never_cache
@sensitive_post_parameters()
@staff_login_required
@require_http_methods(["GET", "POST"])
def change_password(request: StaffRequest) -> HttpResponse:
    """Change the password, re-wrapping the identity under it; end the other sessions."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "GET":
        return render(request, "accounts/change_password.html", {"form": form})
    attempt = devices.take_login_attempt(request, request.user.get_username())
    if refused := throttle.refusal(request, attempt, "accounts/change_password.html", {"form": form}):
        return refused
    if not form.is_valid():
        attempt.refund()
        return render(request, "accounts/change_password.html", {"form": form}, status=400)
    try:
        do_change_password(
            user=request.user,
            current_password=form.cleaned_data["current_password"],
            new_password=form.cleaned_data["new_password"],
            keep_session=request.session.session_key,
        )
    except AccountError as error:
        security_events.record("password_change.failed", username=request.user.get_username())
        return render(request, "accounts/change_password.html", {"form": form, "problems": [str(error)]}, status=400)
    attempt.refund()
    old_key = request.session.session_key
    update_session_auth_hash(request, request.user)  # keeps this session, under a new id
    rekey_staff_session(request, old_key)
    return render(request, "accounts/password_changed.html")


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def recover(request: StaffRequest) -> HttpResponse:
    """Set a new password with the recovery code and a one-time code; keep the same identity."""
    form = RecoveryForm(request.POST or None)
    if request.method == "GET":
        return render(request, "accounts/recover.html", {"form": form})
    username = request.POST.get("username", "")[:150]
    attempt = devices.take_login_attempt(request, username)
    if refused := throttle.refusal(request, attempt, "accounts/recover.html", {"form": form}):
        return refused
    if not form.is_valid():
        attempt.refund()
        return render(request, "accounts/recover.html", {"form": form}, status=400)
    user = get_user_model().objects.filter(username=form.cleaned_data["username"], is_active=True).first()
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() if user else None
    new_code = None
    if (
        user is not None
        and device is not None
        and hasattr(user, "key_custody")
        and device.verify_token(form.cleaned_data["code"])
    ):
        try:
            new_code = do_recover(
                user=user,
                recovery_code=form.cleaned_data["recovery_code"],
                new_password=form.cleaned_data["new_password"],
            )
        except vault.DecryptionError:
            new_code = None
    if new_code is None:
        security_events.record("recovery.failed", username=username)
        return render(request, "accounts/recover.html", {"form": form, "problems": [NOT_RECOVERED]}, status=400)
    attempt.refund()
    attempt.forget("account")
    return render(request, "accounts/recovered.html", {"recovery_code": new_code})
