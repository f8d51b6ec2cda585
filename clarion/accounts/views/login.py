"""Log staff in with a password, then a one-time code; only then unlock their age identity.

Between the two steps the person is not logged in. The password they typed is needed once
more, to unlock their identity after the code is right; it is kept only sealed (Fernet) in
the session under a key that lives in a short-lived cookie of their browser alone, so the
session store never holds it in the clear (docs/design.md, property 2).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth import login as django_login
from django.contrib.auth import logout as django_logout
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from clarion import vault
from clarion.accounts import devices
from clarion.accounts.forms import LoginForm, OneTimeCodeForm
from clarion.accounts.keys import unlock_identity
from clarion.accounts.models import KeyCustody, StaffSession
from clarion.accounts.sessions import start_staff_session
from clarion.web import sealed_cookie, security_events, staff_identity, throttle
from clarion.web.login_target import forget_login_target, login_target

PENDING = "clarion.pending_login"
PENDING_SECONDS = 5 * 60
WRONG_LOGIN = "The user name or the password is not right."
WRONG_CODE = "This code is not right, or was used already. Wait for the next one and try again."
PENDING_EXPIRED = "Your login took too long and was cancelled. Start again."
KEY_OUT_OF_STEP = (
    "Your password is right, but your key does not open with it (the password was set outside "
    "Clarion). Use your recovery code, or ask an admin to reset your account."
)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/staff/") and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return target
    return settings.LOGIN_REDIRECT_URL


def _ready_to_log_in(user: User) -> bool:
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists() and KeyCustody.objects.filter(user=user).exists()
    )


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    """Step 1: check the user name and password; remember them sealed for step 2."""
    if request.method == "GET":
        form = LoginForm()
        return render(request, "accounts/login.html", {"form": form})
    form = LoginForm(request.POST)
    context: dict[str, Any] = {"form": form}
    if not form.is_valid():
        return render(request, "accounts/login.html", context, status=400)
    username, password = form.cleaned_data["username"], form.cleaned_data["password"]
    # Taken before the password is hashed, so parallel guesses cannot all slip through (M3).
    attempt = devices.take_login_attempt(request, username)
    if refused := throttle.refusal(request, attempt, "accounts/login.html", context):
        return refused
    user = authenticate(request, username=username, password=password)
    if user is None or not _ready_to_log_in(user):
        security_events.record("login.password_failed", username=username)
        context["problems"] = [WRONG_LOGIN]
        return render(request, "accounts/login.html", context, status=400)
    attempt.refund()
    response = redirect("accounts:login_code")
    request.session[PENDING] = {
        "user": user.pk,
        "username": username,
        "password": sealed_cookie.seal(
            response, settings.STAFF_PENDING_COOKIE_NAME, password.encode(), max_age=PENDING_SECONDS
        ),
        "at": timezone.now().timestamp(),
        "next": _safe_next(form.cleaned_data["next"] or login_target(request)),
    }
    return response


def _pending(request: HttpRequest) -> dict | None:
    pending = request.session.get(PENDING)
    if not pending or timezone.now().timestamp() - pending["at"] > PENDING_SECONDS:
        return None
    return pending


@never_cache
@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """Step 2: check the one-time code, log in, and unlock the identity into the session."""
    pending = _pending(request)
    if pending is None:
        request.session.pop(PENDING, None)
        response = render(request, "accounts/login.html", {"form": LoginForm(), "problems": [PENDING_EXPIRED]})
        sealed_cookie.delete_cookie(response, settings.STAFF_PENDING_COOKIE_NAME)
        return response
    if request.method == "GET":
        return render(request, "accounts/login_code.html", {"form": OneTimeCodeForm()})
    form = OneTimeCodeForm(request.POST)
    context: dict[str, Any] = {"form": form}
    attempt = devices.take_login_attempt(request, pending["username"])
    if refused := throttle.refusal(request, attempt, "accounts/login_code.html", context):
        return refused
    if not form.is_valid():
        attempt.refund()
        return render(request, "accounts/login_code.html", context, status=400)
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() if user else None
    if user is None or device is None or not device.verify_token(form.cleaned_data["code"]):
        security_events.record("login.code_failed", username=pending["username"])
        context["problems"] = [WRONG_CODE]
        return render(request, "accounts/login_code.html", context, status=400)
    attempt.refund()
    problem = None
    password = sealed_cookie.unseal(request, settings.STAFF_PENDING_COOKIE_NAME, pending["password"])
    if password is None:
        problem = PENDING_EXPIRED
    else:
        try:
            keypair = unlock_identity(user.key_custody, password.decode())
        except vault.DecryptionError:
            problem = KEY_OUT_OF_STEP
    if problem:
        request.session.pop(PENDING, None)
        response = render(request, "accounts/login.html", {"form": LoginForm(), "problems": [problem]}, status=400)
        sealed_cookie.delete_cookie(response, settings.STAFF_PENDING_COOKIE_NAME)
        return response
    attempt.forget("account")
    request.session.pop(PENDING, None)
    django_login(request, user, backend="django.contrib.auth.backends.ModelBackend")  # rotates the session id
    otp_login(request, device)
    start_staff_session(request)
    response = redirect(pending["next"])
    staff_identity.hold_identity(request, response, keypair)
    sealed_cookie.delete_cookie(response, settings.STAFF_PENDING_COOKIE_NAME)
    forget_login_target(response)
    devices.remember_device(response, user)
    return response


@never_cache
@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """End the session everywhere it is stored, forget the identity, and clear the browser."""
    if request.session.session_key:
        StaffSession.objects.filter(session_key=request.session.session_key).delete()
    response = render(request, "accounts/logged_out.html")
    staff_identity.forget_identity(request, response)
    django_logout(request)
    # Every staff cookie is deleted by name but the device cookie, which lets its owner log in
    # again while someone keeps their account's counter tripped (L9; clarion.accounts.devices).
    # Clear-Site-Data's "cookies" would delete that one too, so it is not asked for.
    for name in (
        settings.SESSION_COOKIE_NAME,
        settings.STAFF_PENDING_COOKIE_NAME,
        settings.STAFF_ENROL_COOKIE_NAME,
        settings.STAFF_TARGET_COOKIE_NAME,
        settings.CSRF_COOKIE_NAME,
    ):
        sealed_cookie.delete_cookie(response, name)
    response["Clear-Site-Data"] = '"cache", "storage"'
    return response
