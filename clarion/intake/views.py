"""Source-facing pages. They work with JavaScript off and are never cached.

Views that take files are CSRF-exempt at the decorator and check the token themselves once
the encrypting upload handler has parsed the body (clarion/web/csrf.py explains why).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clarion import vault
from clarion.intake.access import access_reply_file_for_source, access_tip_for_source
from clarion.intake.actions import (
    FormAlreadySent,
    SourceAccess,
    blob_store,
    decrypt_tip_for_source,
    do_send_source_message,
    do_submit_tip,
    do_take_receipt,
    form_was_sent,
)
from clarion.intake.downloads import decrypted_download
from clarion.intake.form_tokens import FormToken, new_form_token, read_form_token
from clarion.intake.forms import FollowUpForm, ReceiptForm, SubmissionForm
from clarion.intake.models import Channel, GuidancePage
from clarion.intake.source_session import (
    end_source_session,
    has_source_cookie,
    load_source_session,
    start_source_session,
)
from clarion.web import throttle
from clarion.web.csrf import EXPIRED_FORM, cross_site_post, csrf_failed
from clarion.web.decorators import source_page
from clarion.web.site_address import site_url
from clarion.web.uploads import FILES_NOT_KEPT, DiscardingUploadHandler, UploadLimits, drop_files, receive_upload_form

BLANK_FORM_SECONDS = 600
FORM_TOKEN_EXPIRED = _lazy(
    "This form was open for more than a day, or was not loaded from this site, so nothing was sent. "
    "Your text is kept below: check it and send again."
)


def _limits(channel: Channel) -> UploadLimits:
    return UploadLimits(
        max_files=channel.max_files,
        max_file_bytes=channel.max_file_bytes,
        max_submission_bytes=channel.max_submission_bytes,
        files_allowed=channel.allow_files,
    )


def _blank_fields(channel: Channel) -> str:
    """Return the rendered fields of the channel's empty form, cached until a question changes.

    Rendering a dozen radio buttons through Django's widget templates is most of a form
    page's cost, and every source loads the form once per tip (bench/tips.py).
    """
    questions = list(channel.questions.values_list("pk", "kind", "label", "help_text", "required", "choices"))
    limits = (channel.allow_files, channel.max_files, channel.max_file_bytes, channel.max_submission_bytes)
    key = "blank-form:" + hashlib.sha256(repr((channel.pk, limits, questions)).encode()).hexdigest()
    html = cache.get(key)
    if html is None:
        html = render_to_string("intake/fields.html", {"form": SubmissionForm(channel=channel)})
        cache.set(key, html, BLANK_FORM_SECONDS)
    return mark_safe(html)  # noqa: S308 - rendered by our autoescaping template above


@source_page
def landing(request: HttpRequest) -> HttpResponse:
    # The onion address is shown as text to copy into Tor Browser, never as a link: a click
    # from an ordinary browser would send the onion name to its DNS resolver, telling anyone
    # watching the network that this device looked for the tip line (SecureDrop's landing
    # page checks). Tor Browser itself learns it from the Onion-Location header
    # (clarion/web/onion.py).
    return render(
        request,
        "intake/landing.html",
        {
            "channels": Channel.objects.open(),
            "onion_address": settings.CLARION_ONION_ADDRESS,
            "guidance": GuidancePage.objects.order_by("title"),
        },
    )


@source_page
def guidance(request: HttpRequest, slug: str) -> HttpResponse:
    page = get_object_or_404(GuidancePage, slug=slug)
    return render(request, "intake/guidance.html", {"page": page})


@source_page
@csrf_exempt
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest, slug: str) -> HttpResponse:
    channel = get_object_or_404(Channel.objects.open(), slug=slug)
    if request.method == "GET":
        context = {"channel": channel, "fields_html": _blank_fields(channel), "form_token": new_form_token()}
        return render(request, "intake/submit.html", context)

    # Floods (M4): the post and its bytes are counted before a byte of its body is read.
    post = throttle.take_source_post(request)
    if not post.allowed:
        drop_files(request)
        sent_token = read_form_token(request.POST.get("form_token", ""))
        context = {
            "channel": channel,
            "form": SubmissionForm(request.POST, channel=channel),
            "problems": [throttle.busy_message(post.wait_seconds)],
            "files_not_kept": FILES_NOT_KEPT,
            "form_token": sent_token.value if sent_token else new_form_token(),
        }
        return _busy(render(request, "intake/submit.html", context, status=429), post.wait_seconds)
    budget = throttle.ChannelBytes(request, channel)
    # The tip's keys exist before its first byte arrives, so files are encrypted as they stream in.
    keys = vault.new_tip_keys()
    form, problems, report = receive_upload_form(
        request,
        lambda data, files: SubmissionForm(data, files, channel=channel),
        store=blob_store(),
        limits=_limits(channel),
        recipient=keys.conversation.recipient,
        reserve_files=budget.reserve,
        # No CSRF cookie on a page a source reaches from the landing page (clarion/web/csrf.py).
        refused=cross_site_post,
    )
    token = read_form_token(request.POST.get("form_token", ""))
    if token is None:
        if not problems:  # an expired CSRF token already said "expired"
            problems.append(str(FORM_TOKEN_EXPIRED))
    elif not problems and form_was_sent(token):
        # The same form again (a reload, a double click): its tip exists; show its receipt page.
        report.discard(blob_store())
        budget.settle(0)
        return _to_receipt(token)
    if token is None or problems or form.errors:
        report.discard(blob_store())
        budget.settle(0)
        context = {
            "channel": channel,
            "form": form,
            "problems": problems,
            "files_not_kept": FILES_NOT_KEPT,
            "form_token": token.value if token else new_form_token(),
        }
        return render(request, "intake/submit.html", context, status=400)
    try:
        do_submit_tip(
            channel=channel,
            keys=keys,
            answers=form.answers(),
            message=form.cleaned_data["message"],
            uploads=form.uploads(),
            form=token,
            site_url=site_url(request),
        )
    except FormAlreadySent:
        # Posted twice at once: the other post committed the tip; this one's files go.
        report.discard(blob_store())
        budget.settle(0)
        return _to_receipt(token)
    except Exception:
        report.discard(blob_store())
        budget.settle(0)
        raise
    budget.settle(report.total_bytes)
    return _to_receipt(token)


def _to_receipt(token: FormToken) -> HttpResponse:
    """Answer a sent form with a redirect (303: the browser follows it with a GET) to its receipt page.

    A reload then asks for the receipt page again, never the form: no second tip. The token
    rides in a cookie, never in the address.
    """
    response = redirect("intake:receipt")
    response.status_code = 303
    response.set_cookie(
        settings.SOURCE_RECEIPT_COOKIE_NAME,
        token.value,
        secure=settings.HTTPS,
        httponly=True,
        samesite="Strict",
        path="/",
    )
    return response


@source_page
@require_GET
def receipt(request: HttpRequest) -> HttpResponse:
    """Show the receipt of the tip just sent, once; a reload says it was shown and sends nothing."""
    token = read_form_token(request.COOKIES.get(settings.SOURCE_RECEIPT_COOKIE_NAME, ""))
    if token is None:
        return redirect("intake:landing")
    shown = do_take_receipt(form=token)
    if shown is None:
        context = {"login_url": reverse("intake:login"), "landing_url": reverse("intake:landing")}
        return render(request, "intake/receipt_shown.html", context)
    # The cookie stays for the browser session, so that a reload explains itself; the token in
    # it opens nothing any more (the receipt is wiped) and only names a form already sent.
    return render(request, "intake/receipt.html", {"receipt": shown.receipt.split(" "), "channel": shown.channel})


@source_page
@csrf_exempt
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "intake/login.html", {"form": ReceiptForm()})
    form = ReceiptForm(request.POST)
    context: dict[str, Any] = {"form": form}
    if csrf_failed(request):
        context["problems"] = [str(EXPIRED_FORM)]
        return render(request, "intake/login.html", context, status=403)
    # Taken before the receipt's Argon2id pass, so parallel guesses cannot all slip through (M3).
    attempt = throttle.take_receipt_attempt(request)
    if not attempt.allowed:
        context["problems"] = [throttle.receipt_wait_message(attempt.wait_seconds)]
        return render(request, "intake/login.html", context, status=429)
    if not form.is_valid():
        attempt.refund()
        return render(request, "intake/login.html", context, status=400)
    try:
        access = access_tip_for_source(receipt=form.cleaned_data["receipt"])
    except Http404:
        form.add_error(
            "receipt",
            "No tip matches this receipt. Check each word against what you wrote down and try again.",
        )
        return render(request, "intake/login.html", context, status=400)
    attempt.refund()
    pending = form.cleaned_data.get("pending_message", "")
    if pending:
        follow_up = FollowUpForm(initial={"message": pending}, channel=access.tip.channel)
        response = _render_inbox(request, access, follow_up, notice=str(FILES_NOT_KEPT))
    else:
        response = redirect("intake:inbox")
    start_source_session(response, tip=access.tip, conversation_identity=access.conversation_identity)
    return response


def _render_inbox(
    request: HttpRequest,
    access: SourceAccess,
    form: FollowUpForm,
    *,
    problems: list[str] | None = None,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "tip": access.tip,
        "decrypted": decrypt_tip_for_source(access),
        "form": form,
        "problems": problems or [],
        "notice": notice,
    }
    return render(request, "intake/inbox.html", context, status=status)


@source_page
@csrf_exempt
@require_http_methods(["GET", "POST"])
def inbox(request: HttpRequest) -> HttpResponse:
    session = load_source_session(request)
    if session is None:
        return _session_ended(request)
    access = SourceAccess(tip=session.tip, conversation_identity=session.conversation_identity)
    channel = access.tip.channel
    if request.method == "GET":
        return _render_inbox(request, access, FollowUpForm(channel=channel))

    post = throttle.take_source_post(request)
    if not post.allowed:
        drop_files(request)
        form = FollowUpForm(request.POST, channel=channel)
        problems = [throttle.busy_message(post.wait_seconds)]
        response = _render_inbox(request, access, form, problems=problems, notice=str(FILES_NOT_KEPT), status=429)
        return _busy(response, post.wait_seconds)
    budget = throttle.ChannelBytes(request, channel)
    form, problems, report = receive_upload_form(
        request,
        lambda data, files: FollowUpForm(data, files, channel=channel),
        store=blob_store(),
        limits=_limits(channel),
        recipient=access.tip.conversation_public_key,
        reserve_files=budget.reserve,
    )
    if problems or form.errors:
        budget.settle(0)
        return _render_inbox(request, access, form, problems=problems, notice=str(FILES_NOT_KEPT), status=400)
    try:
        do_send_source_message(
            tip=access.tip,
            message=form.cleaned_data["message"],
            uploads=form.cleaned_data.get("attachments", []),
            site_url=site_url(request),
        )
    except Exception:
        report.discard(blob_store())
        budget.settle(0)
        raise
    budget.settle(report.total_bytes)
    return render(request, "intake/sent.html", {})


@source_page
@require_GET
def download_file(request: HttpRequest, file_id: int) -> HttpResponseBase:
    """Stream a file a reviewer attached to a reply, decrypted with the key the session holds.

    The address holds only the file's number; the session decides whose it is.
    """
    session = load_source_session(request)
    if session is None:
        return _session_ended(request)
    tip_file = access_reply_file_for_source(session=session, file_id=file_id)
    try:
        return decrypted_download(tip_file, session.conversation_identity)
    except (vault.BlobPathError, vault.DecryptionError):
        message = _("This file cannot be opened any more. Ask us in a message to send it again.")
        return render(request, "intake/file_gone.html", {"message": message}, status=410)


def _busy(response: HttpResponse, seconds: int) -> HttpResponse:
    response["Retry-After"] = str(seconds)
    return response


def _session_ended(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        # The session ended while the source was writing: carry their words through login.
        request.upload_handlers = [DiscardingUploadHandler(request)]
        form = ReceiptForm(initial={"pending_message": request.POST.get("message", "")})
        problems = [
            _(
                "Your session ended (after two hours without activity, or eight hours after you logged in), "
                "so your message was not sent yet. Enter your receipt to send it: your text is kept."
            )
        ]
        return render(request, "intake/login.html", {"form": form, "problems": problems}, status=403)
    if has_source_cookie(request):
        problems = ["Your session has ended. Enter your receipt again to open your inbox."]
        return render(request, "intake/login.html", {"form": ReceiptForm(), "problems": problems})
    return redirect("intake:login")


@source_page
@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    response = render(request, "intake/logged_out.html", {})
    end_source_session(request, response)
    return response
