"""Enrol with an invitation code, typed into a form: never carried in a link.

docs/design.md, property 8: a code in a URL lands in browser history, proxy and server logs, and the
`Referer` of whatever the page links to. So the invitation points to the fixed page
/staff/enrol/, where the person pastes the code into a POST form. After that the session
holds only the invitation's id, the chosen name, the new TOTP secret and the password sealed
under a key in a short-lived cookie (as at login); the account is created in one transaction
only when the person proves their authenticator works, and the recovery code is shown once,
in that response, never stored in the clear.
"""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import segno
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import default_key

from clarion.accounts.actions import AccountError, do_enrol, find_open_invitation
from clarion.accounts.forms import EnrolAccountForm, InvitationCodeForm, OneTimeCodeForm
from clarion.accounts.models import Invitation
from clarion.web import sealed_cookie, security_events, throttle

ENROLMENT = "clarion.enrolment"
ENROLMENT_SECONDS = 30 * 60
UNKNOWN_CODE = "This invitation code is not valid: it may be mistyped, used already or expired."
STARTED_OVER = "Your enrolment took too long or was interrupted. Enter your invitation code again."


def _state(request: HttpRequest) -> tuple[dict, Invitation] | None:
    state = request.session.get(ENROLMENT)
    if not state or timezone.now().timestamp() - state["at"] > ENROLMENT_SECONDS:
        return None
    invitation = Invitation.objects.filter(pk=state["invitation"]).select_related("for_user").first()
    if invitation is None or not invitation.is_open():
        return None
    return state, invitation


def _start_over(request: HttpRequest) -> HttpResponse:
    request.session.pop(ENROLMENT, None)
    response = render(request, "accounts/enrol.html", {"form": InvitationCodeForm(), "problems": [STARTED_OVER]})
    sealed_cookie.delete_cookie(response, settings.STAFF_ENROL_COOKIE_NAME)
    return response


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Take the invitation code."""
    if request.method == "GET":
        return render(request, "accounts/enrol.html", {"form": InvitationCodeForm()})
    form = InvitationCodeForm(request.POST)
    context: dict[str, Any] = {"form": form}
    attempt = throttle.take_invitation_attempt(request)
    if refused := throttle.refusal(request, attempt, "accounts/enrol.html", context):
        return refused
    invitation = find_open_invitation(form.cleaned_data["code"]) if form.is_valid() else None
    if invitation is None:
        security_events.record("invitation.failed")
        context["problems"] = [UNKNOWN_CODE]
        return render(request, "accounts/enrol.html", context, status=400)
    attempt.refund()
    request.session.cycle_key()
    request.session[ENROLMENT] = {"invitation": invitation.pk, "at": timezone.now().timestamp()}
    return redirect("accounts:enrol_account")


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def enrol_account(request: HttpRequest) -> HttpResponse:
    """Choose a user name (unless re-enrolling after a reset) and a password."""
    found = _state(request)
    if found is None:
        return _start_over(request)
    state, invitation = found
    fixed = invitation.for_user.get_username() if invitation.for_user else None
    if request.method == "GET":
        form = EnrolAccountForm(fixed_username=fixed)
        return render(request, "accounts/enrol_account.html", {"form": form, "invitation": invitation})
    form = EnrolAccountForm(request.POST, fixed_username=fixed)
    if not form.is_valid():
        return render(request, "accounts/enrol_account.html", {"form": form, "invitation": invitation}, status=400)
    response = redirect("accounts:enrol_code")
    password = form.cleaned_data["new_password"].encode()
    state.update(
        username=fixed or form.cleaned_data["username"],
        password=sealed_cookie.seal(response, settings.STAFF_ENROL_COOKIE_NAME, password, max_age=ENROLMENT_SECONDS),
        totp_key=default_key(),
    )
    request.session[ENROLMENT] = state
    return response


def _provisioning_uri(username: str, hex_key: str) -> str:
    issuer = settings.OTP_TOTP_ISSUER.replace(":", "")
    secret = b32encode(bytes.fromhex(hex_key)).decode()
    query = urlencode({"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": "6", "period": "30"})
    return f"otpauth://totp/{issuer}:{username}?{query}"


def qr_svg(text: str) -> str:
    """Return `text` as an inline SVG QR code, drawn here (no external service, no data: URI)."""
    svg = segno.make(text, error="m").svg_inline(scale=5, dark="#000", light="#fff", title="QR code for your app")
    return mark_safe(svg)  # noqa: S308 - segno's own markup, no user input besides the encoded data


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def enrol_code(request: HttpRequest) -> HttpResponse:
    """Show the authenticator secret; create the account once a code from it is right."""
    found = _state(request)
    if found is None or "totp_key" not in found[0]:
        return _start_over(request)
    state, invitation = found
    uri = _provisioning_uri(state["username"], state["totp_key"])
    context = {
        "qr": qr_svg(uri),
        "secret": " ".join(b32encode(bytes.fromhex(state["totp_key"])).decode()[i : i + 4] for i in range(0, 32, 4)),
        "username": state["username"],
        "form": OneTimeCodeForm(request.POST or None),
    }
    if request.method == "GET":
        return render(request, "accounts/enrol_code.html", context)
    form = context["form"]
    totp = TOTP(bytes.fromhex(state["totp_key"]))
    if not form.is_valid() or not totp.verify(int(form.cleaned_data["code"]), tolerance=1):
        context["problems"] = [
            "This code is not right. Check that the app shows the account just added, and try again."
        ]
        return render(request, "accounts/enrol_code.html", context, status=400)
    password = sealed_cookie.unseal(request, settings.STAFF_ENROL_COOKIE_NAME, state["password"])
    if password is None:
        return _start_over(request)
    try:
        enrolled = do_enrol(
            invitation_id=invitation.pk,
            username=state["username"],
            password=password.decode(),
            totp_key=state["totp_key"],
        )
    except AccountError as error:
        request.session.pop(ENROLMENT, None)
        return render(
            request, "accounts/enrol.html", {"form": InvitationCodeForm(), "problems": [str(error)]}, status=400
        )
    # The code just used must not log in again: the device starts past its time step.
    enrolled.user.totpdevice_set.update(last_t=totp.t())  # type: ignore[attr-defined]  # django_otp's reverse relation
    request.session.pop(ENROLMENT, None)
    response = render(
        request, "accounts/enrolled.html", {"recovery_code": enrolled.recovery_code, "enrolled_user": enrolled.user}
    )
    sealed_cookie.delete_cookie(response, settings.STAFF_ENROL_COOKIE_NAME)
    return response
