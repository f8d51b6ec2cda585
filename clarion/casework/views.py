"""Reviewer pages: the inbox, a tip, its files, and the forms that act on it.

Every page is behind `reviewer_required` (both factors and an identity held) and every tip
goes through `access_tip_for_reviewer`. Pages are never cached: they show decrypted content.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable, Sequence
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from clarion import vault
from clarion.accounts.models import Organisation
from clarion.accounts.roles import is_admin, is_editor
from clarion.casework import actions
from clarion.casework.access import (
    TipSecrets,
    access_tip_file_for_reviewer,
    access_tip_for_reviewer,
    readers_of_tip,
    share_candidates_for_tip,
    shared_readers_of_tip,
    unlock_tip_for_reviewer,
)
from clarion.casework.deadlines import DUE_SOON
from clarion.casework.forms import (
    CaseForm,
    ClosureProposalForm,
    ExportForm,
    InboxFilterForm,
    NoteForm,
    ReplyForm,
    ShareForm,
)
from clarion.casework.inbox import DEFAULT_SORT, InboxPage
from clarion.casework.models import CaseFile
from clarion.casework.tip_view import decrypt_tip_for_reviewer
from clarion.intake.actions import blob_store
from clarion.intake.downloads import decrypted_download
from clarion.intake.models import Tip
from clarion.vault import AgeRecipientStr
from clarion.web.decorators import staff_page
from clarion.web.messages import LOCKED
from clarion.web.pages import StaffArea, cannot_open
from clarion.web.staff_identity import held_identity
from clarion.web.staff_request import StaffRequest
from clarion.web.uploads import FILES_NOT_KEPT, UploadLimits, receive_upload_form

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

AREA = StaffArea(layout="casework/base_staff.html", home="casework:inbox", back_label=_lazy("Back to the inbox"))


class TipLocked(Exception):
    pass


def _secrets(request: StaffRequest, tip: Tip) -> TipSecrets:
    keypair = held_identity(request)
    if keypair is None:  # pragma: no cover - reviewer_required checked it
        raise TipLocked
    try:
        return unlock_tip_for_reviewer(tip=tip, user=request.user, keypair=keypair)
    except vault.DecryptionError:
        raise TipLocked from None


def _locked(request: StaffRequest) -> HttpResponse:
    return cannot_open(request, AREA, LOCKED)


def _handle_locked(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapper(request: StaffRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except TipLocked:
            return _locked(request)

    return wrapper


def _case_form(tip: Tip, case: CaseFile, data: Any = None) -> CaseForm:
    initial = {
        "status": case.status_id,
        "labels": list(case.labels.values_list("pk", flat=True)),
        "assignee": case.assignee_id,
        "important": case.important,
    }
    readers = readers_of_tip(tip)
    return CaseForm(data, initial=initial, readers=readers, current_status=case.status)


def _render_tip(
    request: StaffRequest,
    tip: Tip,
    *,
    secrets: TipSecrets,
    reply_form: ReplyForm | None = None,
    note_form: NoteForm | None = None,
    case_form: CaseForm | None = None,
    share_form: ShareForm | None = None,
    closure_form: ClosureProposalForm | None = None,
    export_form: ExportForm | None = None,
    problems: Sequence[StrOrPromise] | None = None,
    status: int = 200,
) -> HttpResponse:
    case = actions.case_file_of(tip)
    decrypted = decrypt_tip_for_reviewer(tip, case, secrets)
    pending_closure = next((c for c in decrypted.closures if c.pending), None)
    context = {
        "tip": tip,
        "case": case,
        "decrypted": decrypted,
        "reply_form": reply_form or ReplyForm(),
        "note_form": note_form or NoteForm(),
        "case_form": case_form or _case_form(tip, case),
        "share_form": share_form or ShareForm(candidates=share_candidates_for_tip(tip)),
        "closure_form": closure_form or ClosureProposalForm(),
        "pending_closure": pending_closure,
        "export_form": export_form or _export_form(),
        "readers": readers_of_tip(tip),
        # Only an admin revokes, and only a share: a channel's receiver goes with the channel.
        "revocable": set(shared_readers_of_tip(tip).values_list("pk", flat=True)) if is_admin(request.user) else set(),
        "problems": problems or [],
        "may_start_draft": is_editor(request.user),
    }
    return render(request, "casework/tip.html", context, status=status)


@staff_page
@require_GET
def inbox(request: StaffRequest) -> HttpResponse:
    form = InboxFilterForm(request.GET or None, user=request.user)
    now = timezone.now()
    cases = CaseFile.objects.for_reviewer(request.user).with_seen_by(request.user).for_inbox()
    sort = DEFAULT_SORT
    if form.is_bound and form.is_valid():
        filters = dict(form.cleaned_data)
        sort = filters.pop("sort") or sort
        cases = cases.filtered(user=request.user, now=now, **filters)
    page = InboxPage.of(cases, sort=sort, after=request.GET.get("after"), before=request.GET.get("before"))
    query = request.GET.copy()
    for cursor in ("after", "before", "page"):
        query.pop(cursor, None)
    context = {"form": form, "page": page, "query": query.urlencode(), "now": now, "soon": now + DUE_SOON}
    return render(request, "casework/inbox.html", context)


@staff_page
@require_GET
@_handle_locked
def tip_detail(request: StaffRequest, tip_id: uuid.UUID) -> HttpResponse:
    tip = access_tip_for_reviewer(actor=request.user, tip_id=tip_id)
    secrets = _secrets(request, tip)
    response = _render_tip(request, tip, secrets=secrets)
    actions.do_record_tip_read(actor=request.user, tip=tip)
    return response


@staff_page
@require_GET
@_handle_locked
def download_file(request: StaffRequest, tip_id: uuid.UUID, file_id: int) -> HttpResponseBase:
    tip_file = access_tip_file_for_reviewer(actor=request.user, tip_id=tip_id, file_id=file_id)
    secrets = _secrets(request, tip_file.tip)
    try:
        response = decrypted_download(tip_file, secrets.conversation)
    except vault.BlobPathError:
        return cannot_open(request, AREA, _("This file is missing from storage."), status=410)
    except vault.DecryptionError:
        raise TipLocked from None
    actions.do_record_file_download(actor=request.user, tip_file=tip_file)
    return response


@staff_page
@sensitive_post_parameters("passphrase", "passphrase_again")
@require_POST
@_handle_locked
def export(request: StaffRequest, tip_id: uuid.UUID) -> HttpResponseBase:
    tip = access_tip_for_reviewer(actor=request.user, tip_id=tip_id)
    secrets = _secrets(request, tip)
    form = _export_form(request.POST)
    if not form.is_valid():
        return _render_tip(request, tip, secrets=secrets, export_form=form, status=400)
    # Only ciphertext and the README reach this temporary file (see export.py).
    out = tempfile.TemporaryFile()  # FileResponse closes it
    actions.do_export_tip(actor=request.user, tip=tip, secrets=secrets, lock=form.lock(), out=out)
    out.seek(0)
    reference = actions.case_file_of(tip).reference
    response = FileResponse(out, as_attachment=True, filename=f"clarion-{reference}.zip")
    response["Content-Type"] = "application/zip"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _export_form(data: Any = None) -> ExportForm:
    return ExportForm(data, offline_key=Organisation.current().offline_public_key)


@staff_page
@csrf_exempt
@require_POST
@_handle_locked
def reply(request: StaffRequest, tip_id: uuid.UUID) -> HttpResponse:
    # The gatekeeper runs before the body is read: a denied reviewer's files are never stored.
    tip = access_tip_for_reviewer(actor=request.user, tip_id=tip_id)
    secrets = _secrets(request, tip)
    channel = tip.channel
    limits = UploadLimits(
        max_files=channel.max_files,
        max_file_bytes=channel.max_file_bytes,
        max_submission_bytes=channel.max_submission_bytes,
        # The channel's switch is about what sources may send; reviewers may always attach.
        files_allowed=True,
    )
    form, problems, report = receive_upload_form(
        request, ReplyForm, store=blob_store(), limits=limits, recipient=AgeRecipientStr(tip.conversation_public_key)
    )
    if problems or form.errors:
        problems.append(str(FILES_NOT_KEPT))
        return _render_tip(request, tip, secrets=secrets, reply_form=form, problems=problems, status=400)
    try:
        actions.do_send_reviewer_message(
            actor=request.user,
            tip=tip,
            message=form.cleaned_data["message"],
            uploads=form.cleaned_data.get("attachments", []),
            gives_feedback=form.cleaned_data["gives_feedback"],
        )
    except Exception:
        report.discard(blob_store())
        raise
    return redirect(reverse("casework:tip", args=[tip.pk]) + "#conversation-title")


@staff_page
@require_POST
@_handle_locked
def add_note(request: StaffRequest, tip_id: uuid.UUID) -> HttpResponse:
    tip = access_tip_for_reviewer(actor=request.user, tip_id=tip_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _render_tip(request, tip, secrets=_secrets(request, tip), note_form=form, status=400)
    actions.do_add_note(actor=request.user, tip=tip, text=form.cleaned_data["note"])
    return redirect(reverse("casework:tip", args=[tip.pk]) + "#notes-title")


def _change_case(actor: Any, tip: Tip, form: CaseForm) -> None:
    """Apply what the case form changed, one action per change; the triage first, which a status may need."""
    data, changed = form.cleaned_data, set(form.changed_data)
    triage = form.triage()
    if triage is not None:
        actions.do_record_triage(actor=actor, tip=tip, triage=triage)
    if "status" in changed:
        actions.do_change_case_status(actor=actor, tip=tip, status=data["status"], reopen_reason=data["reopen_reason"])
    if "labels" in changed:
        actions.do_set_case_labels(actor=actor, tip=tip, labels=data["labels"])
    if "assignee" in changed:
        actions.do_assign_case(actor=actor, tip=tip, assignee=data["assignee"])
    if "important" in changed:
        actions.do_mark_case_important(actor=actor, tip=tip, important=data["important"])


@staff_page
@require_POST
@_handle_locked
def update_case(request: StaffRequest, tip_id: uuid.UUID) -> HttpResponse:
    tip = access_tip_for_reviewer(actor=request.user, tip_id=tip_id)
    case = actions.case_file_of(tip)
    form = _case_form(tip, case, request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                _change_case(request.user, tip, form)
        except actions.CaseRuleError as error:
            form.add_error(error.field, error.message)
        else:
            return redirect(reverse("casework:tip", args=[tip.pk]) + "#case-title")
    return _render_tip(request, tip, secrets=_secrets(request, tip), case_form=form, status=400)


@staff_page
@require_POST
@_handle_locked
def propose_closure(request: StaffRequest, tip_id: uuid.UUID) -> HttpResponse:
    tip = access_tip_for_reviewer(actor=request.user, tip_id=tip_id)
    form = ClosureProposalForm(request.POST)
    if form.is_valid():
        try:
            actions.do_propose_closure(actor=request.user, tip=tip, closure=form.closure())
        except actions.CaseRuleError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return redirect(reverse("casework:tip", args=[tip.pk]) + "#closure-title")
    return _render_tip(request, tip, secrets=_secrets(request, tip), closure_form=form, status=400)


def _decide_closure(
    request: StaffRequest, tip_id: uuid.UUID, closure_id: int, decide: Callable[..., Any]
) -> HttpResponse:
    tip = access_tip_for_reviewer(actor=request.user, tip_id=tip_id)
    try:
        decide(actor=request.user, tip=tip, closure_id=closure_id)
    except actions.CaseRuleError as error:
        return _render_tip(request, tip, secrets=_secrets(request, tip), problems=[error.message], status=400)
    return redirect(reverse("casework:tip", args=[tip.pk]) + "#closure-title")


@staff_page
@require_POST
@_handle_locked
def approve_closure(request: StaffRequest, tip_id: uuid.UUID, closure_id: int) -> HttpResponse:
    return _decide_closure(request, tip_id, closure_id, actions.do_approve_closure)


@staff_page
@require_POST
@_handle_locked
def withdraw_closure(request: StaffRequest, tip_id: uuid.UUID, closure_id: int) -> HttpResponse:
    return _decide_closure(request, tip_id, closure_id, actions.do_withdraw_closure)


@staff_page
@require_POST
def postpone_destruction(request: StaffRequest, tip_id: uuid.UUID) -> HttpResponse:
    tip = access_tip_for_reviewer(actor=request.user, tip_id=tip_id)
    try:
        actions.do_postpone_destruction(actor=request.user, tip=tip)
    except actions.CaseRuleError:
        pass  # the page shows no destruction date to postpone
    return redirect("casework:tip", tip_id=tip.pk)


@staff_page
@require_POST
def declare_conflict(request: StaffRequest, tip_id: uuid.UUID) -> HttpResponse:
    tip = access_tip_for_reviewer(actor=request.user, tip_id=tip_id)
    actions.do_declare_conflict(actor=request.user, tip=tip)
    return render(request, "casework/conflict_declared.html", {})


@staff_page
@require_POST
@_handle_locked
def share(request: StaffRequest, tip_id: uuid.UUID) -> HttpResponse:
    tip = access_tip_for_reviewer(actor=request.user, tip_id=tip_id)
    secrets = _secrets(request, tip)
    form = ShareForm(request.POST, candidates=share_candidates_for_tip(tip))
    if form.is_valid():
        try:
            actions.do_share_tip(actor=request.user, tip=tip, secrets=secrets, reviewer=form.cleaned_data["reviewer"])
        except actions.CaseRuleError as error:
            form.add_error("reviewer", error.message)
        else:
            return redirect(reverse("casework:tip", args=[tip.pk]) + "#access-title")
    return _render_tip(request, tip, secrets=secrets, share_form=form, status=400)


@staff_page
@require_POST
@_handle_locked
def revoke(request: StaffRequest, tip_id: uuid.UUID, user_id: int) -> HttpResponse:
    tip = access_tip_for_reviewer(actor=request.user, tip_id=tip_id)
    reviewer = readers_of_tip(tip).filter(pk=user_id).first()
    problems: list[StrOrPromise] = []
    status = 400
    if reviewer is None:
        problems.append(_("This person cannot read this tip."))
    else:
        try:
            actions.do_revoke_share(actor=request.user, tip=tip, reviewer=reviewer)
        except actions.NotAllowed as error:
            problems.append(error.message)
            status = 403
        except actions.CaseRuleError as error:
            problems.append(error.message)
        else:
            return redirect(reverse("casework:tip", args=[tip.pk]) + "#access-title")
    return _render_tip(request, tip, secrets=_secrets(request, tip), problems=problems, status=status)
