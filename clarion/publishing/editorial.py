"""Editors' pages: the list of posts, a post with its review, revisions, flags and media, a draft from a tip.

Every page is behind `editor_required` (both factors, the editor role) and never cached: drafts,
staff comments and links to tips are not public. Views are thin: a form, one action, a page.
A refused step (`WorkflowError`, `ScrubError`) is shown on the page with everything typed kept.

The links between a post and its tips are staff-only. An editor sees how many tips a post is
linked to; which tips, only for those they may read themselves (casework's gatekeeper).
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clarion import vault
from clarion.accounts.decorators import editor_required
from clarion.accounts.roles import is_reviewer
from clarion.accounts.staff_keys import held_identity
from clarion.casework import actions as casework_actions
from clarion.casework.access import access_tip_for_reviewer, may_read_tip
from clarion.casework.models import CaseFile
from clarion.intake.views import EXPIRED_FORM, csrf_failed
from clarion.publishing import actions, media_store
from clarion.publishing.actions import WorkflowError
from clarion.publishing.forms import (
    SLUG_TAKEN,
    ApproveForm,
    DraftFromTipForm,
    FlagForm,
    KeepFlagForm,
    MediaForm,
    PostFilterForm,
    PostForm,
    RetractForm,
    SendBackForm,
)
from clarion.publishing.models import Media, Post, RedactionCheck, Revision
from clarion.publishing.sources import source_passages

PAGE_SIZE = 50
LOCKED = (
    "Your key does not open this tip. Log out and in again; if this persists, ask a colleague "
    "who can read it to share it with you again."
)
FILE_NOT_KEPT = "Browsers never keep chosen files: choose the file again before uploading."


def editor_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Guard an editor page and keep it out of every cache."""
    return never_cache(editor_required(view))


def _post_or_404(post_id: int) -> Post:
    post = Post.objects.select_related("category", "byline_editor").filter(pk=post_id).first()
    if post is None:
        raise Http404("No such post.")
    return post


def _post_url(post: Post, fragment: str = "") -> str:
    return reverse("editorial:post", args=[post.pk]) + (f"#{fragment}" if fragment else "")


def keep_form_id(key: str) -> str:
    """Return a per-flag prefix for form ids, so that each flag's form has labels of its own."""
    return "keep-" + hashlib.sha256(key.encode()).hexdigest()[:10] + "-%s"


# --- the list ---------------------------------------------------------------------------------


@editor_page
@require_GET
def post_list(request: HttpRequest) -> HttpResponse:
    form = PostFilterForm(request.GET or None)
    latest = Revision.objects.filter(post=OuterRef("pk")).order_by("-number")
    posts = Post.objects.annotate(
        latest_title=Subquery(latest.values("title")[:1]),
        latest_number=Subquery(latest.values("number")[:1]),
        latest_by=Subquery(latest.values("created_by__username")[:1]),
        latest_at=Subquery(latest.values("created_at")[:1]),
    ).prefetch_related("corrections")
    if form.is_bound and form.is_valid() and form.cleaned_data["state"]:
        posts = posts.filter(state=form.cleaned_data["state"])
    posts = posts.order_by("-latest_at", "-pk")
    page = Paginator(posts, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "publishing/staff/list.html", {"form": form, "page": page, "query": query.urlencode()})


# --- writing ----------------------------------------------------------------------------------


def _render_form(request: HttpRequest, form: PostForm, *, problems: list[str] | None = None) -> HttpResponse:
    status = 400 if (problems or form.errors) else 200
    context = {"form": form, "post": form.post, "problems": problems or []}
    return render(request, "publishing/staff/edit.html", context, status=status)


@editor_page
@require_http_methods(["GET", "POST"])
def post_new(request: HttpRequest) -> HttpResponse:
    form = PostForm(request.POST or None, user=request.user)
    if request.method != "POST" or not form.is_valid():
        return _render_form(request, form)
    try:
        with transaction.atomic():
            post = actions.do_create_post(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                slug=form.cleaned_data["slug"],
                content=form.content(),
                keypair=held_identity(request),
            )
            actions.do_set_post_details(actor=request.user, post=post, **form.details())
    except IntegrityError:
        # Another editor took the address between the check and the save.
        form.add_error("slug", SLUG_TAKEN)
        return _render_form(request, form)
    return redirect(_post_url(post))


@editor_page
@require_http_methods(["GET", "POST"])
def post_edit(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _post_or_404(post_id)
    form = PostForm(request.POST or None, post=post, user=request.user)
    if request.method != "POST" or not form.is_valid():
        return _render_form(request, form)
    try:
        with transaction.atomic():
            actions.do_set_post_details(actor=request.user, post=post, **form.details())
            actions.do_save_post(actor=request.user, post=post, content=form.content(), keypair=held_identity(request))
    except IntegrityError:
        form.add_error("slug", SLUG_TAKEN)
        return _render_form(request, form)
    except WorkflowError as error:
        return _render_form(request, form, problems=[str(error)])
    return redirect(_post_url(post))


# --- the post's page --------------------------------------------------------------------------


def _linked_tips(request: HttpRequest, post: Post) -> tuple[int, list[tuple[uuid.UUID, str]]]:
    """Return how many tips are linked, and (id, reference) of those this person may read."""
    tips = [link.tip for link in post.tip_links.select_related("tip").order_by("linked_at", "pk")]
    readable = [tip for tip in tips if may_read_tip(user=request.user, tip=tip)]
    references = dict(CaseFile.objects.filter(tip__in=readable).values_list("tip_id", "reference"))
    return len(tips), [(tip.pk, references.get(tip.pk, "")) for tip in readable]


def _render_post(
    request: HttpRequest,
    post: Post,
    *,
    problems: list[str] | None = None,
    approve_form: ApproveForm | None = None,
    send_back_form: SendBackForm | None = None,
    retract_form: RetractForm | None = None,
    keep_form: KeepFlagForm | None = None,
    media_form: MediaForm | None = None,
    status: int = 200,
) -> HttpResponse:
    post.refresh_from_db()
    latest = post.latest_revision
    approval_problems: list[str] = []
    if post.state == Post.State.IN_REVIEW and latest is not None:
        # Also re-runs the redaction check as this editor sees the linked tips.
        approval_problems = actions.approval_problems(
            actor=request.user, post=post, revision=latest, keypair=held_identity(request)
        )
    check = RedactionCheck.objects.filter(revision=latest).select_related("checked_by").first()
    flags = []
    for flag in actions.open_flags(post, check) if check else []:
        mine = keep_form is not None and keep_form.data.get("key") == flag["key"]
        form = keep_form if mine else KeepFlagForm(initial={"key": flag["key"]}, auto_id=keep_form_id(flag["key"]))
        flags.append({**flag, "keep_form": form})
    tip_count, readable_tips = _linked_tips(request, post)
    context = {
        "post": post,
        "latest": latest,
        "check": check,
        "flags": flags,
        "decisions": post.redaction_decisions.select_related("decided_by").order_by("decided_at", "pk"),
        "approval_problems": approval_problems,
        "approve_form": approve_form
        or ApproveForm(initial={"revision": latest.number if latest else None, "when": "now"}),
        "send_back_form": send_back_form or SendBackForm(),
        "retract_form": retract_form or RetractForm(),
        "media_form": media_form or MediaForm(),
        "revisions": post.revisions.select_related("created_by", "approved_by").order_by("-number"),
        "corrections": post.corrections.all(),
        "comments": post.comments.select_related("author"),
        "media": post.media.select_related("uploaded_by"),
        "tip_count": tip_count,
        "readable_tips": readable_tips,
        "problems": problems or [],
    }
    return render(request, "publishing/staff/post.html", context, status=status)


@editor_page
@require_GET
def post_detail(request: HttpRequest, post_id: int) -> HttpResponse:
    return _render_post(request, _post_or_404(post_id))


@editor_page
@require_GET
def revision_detail(request: HttpRequest, post_id: int, number: int) -> HttpResponse:
    post = _post_or_404(post_id)
    revision = post.revisions.select_related("created_by", "approved_by").filter(number=number).first()
    if revision is None:
        raise Http404("No such revision.")
    return render(request, "publishing/staff/revision.html", {"post": post, "revision": revision})


@editor_page
@require_POST
def submit(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _post_or_404(post_id)
    try:
        actions.do_submit_post(actor=request.user, post=post)
    except WorkflowError as error:
        return _render_post(request, post, problems=[str(error)], status=400)
    return redirect(_post_url(post))


@editor_page
@require_POST
def approve(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _post_or_404(post_id)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        return _render_post(request, post, approve_form=form, status=400)
    revision = post.revisions.filter(number=form.cleaned_data["revision"]).first()
    if revision is None:
        return _render_post(request, post, problems=["This revision does not exist."], status=400)
    try:
        actions.do_approve_post(
            actor=request.user,
            post=post,
            revision=revision,
            keypair=held_identity(request),
            publish_at=form.publish_at_or_none(),
        )
    except WorkflowError as error:
        return _render_post(request, post, problems=[str(error)], approve_form=form, status=400)
    return redirect(_post_url(post))


@editor_page
@require_POST
def send_back(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _post_or_404(post_id)
    form = SendBackForm(request.POST)
    if not form.is_valid():
        return _render_post(request, post, send_back_form=form, status=400)
    try:
        actions.do_request_changes(actor=request.user, post=post, comment=form.cleaned_data["comment"])
    except WorkflowError as error:
        return _render_post(request, post, problems=[str(error)], send_back_form=form, status=400)
    return redirect(_post_url(post, "comments"))


@editor_page
@require_POST
def retract(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _post_or_404(post_id)
    form = RetractForm(request.POST)
    if not form.is_valid():
        return _render_post(request, post, retract_form=form, status=400)
    try:
        actions.do_retract_post(
            actor=request.user,
            post=post,
            notice=form.cleaned_data["notice"],
            withdraw_text=form.cleaned_data["withdraw_text"],
        )
    except WorkflowError as error:
        return _render_post(request, post, problems=[str(error)], retract_form=form, status=400)
    return redirect(_post_url(post))


@editor_page
@require_POST
def redact(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _post_or_404(post_id)
    form = FlagForm(request.POST)
    if not form.is_valid():
        return _render_post(request, post, problems=["Choose a flag to redact."], status=400)
    try:
        actions.do_redact_flagged(
            actor=request.user, post=post, key=form.cleaned_data["key"], keypair=held_identity(request)
        )
    except WorkflowError as error:
        return _render_post(request, post, problems=[str(error)], status=400)
    return redirect(_post_url(post, "redaction"))


@editor_page
@require_POST
def keep(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _post_or_404(post_id)
    key = request.POST.get("key", "")
    form = KeepFlagForm(request.POST, auto_id=keep_form_id(key))
    if not form.is_valid():
        return _render_post(request, post, keep_form=form, status=400)
    try:
        actions.do_keep_flagged(actor=request.user, post=post, key=key, reason=form.cleaned_data["reason"])
    except WorkflowError as error:
        form.add_error("reason", str(error))
        return _render_post(request, post, keep_form=form, status=400)
    return redirect(_post_url(post, "redaction"))


# --- media ------------------------------------------------------------------------------------


class MediaUploadHandler(FileUploadHandler):
    """Keep an editor's upload in memory only, up to the media size limit.

    Threat: Django writes uploads over 2.5 MB to a temporary file; an unscrubbed original
    (a photo with its GPS position, a PDF with its author) would then touch the disk. Here the
    bytes stay in memory until the scrubber has made the clean copy, and a file over the limit
    is dropped as it arrives, with its size kept for the message.
    """

    def __init__(self, request: HttpRequest | None = None, *, max_bytes: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.refused_size: int | None = None
        self._buffer: io.BytesIO | None = None

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._buffer = io.BytesIO()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        if self._buffer is None:
            self.refused_size = start + len(raw_data)
            return None
        if start + len(raw_data) > self.max_bytes:
            self._buffer = None
            self.refused_size = start + len(raw_data)
            return None
        self._buffer.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> InMemoryUploadedFile | None:
        if self._buffer is None:
            self.refused_size = max(self.refused_size or 0, file_size)
            return None
        self._buffer.seek(0)
        return InMemoryUploadedFile(
            file=self._buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


@editor_page
@csrf_exempt  # the token is checked below, once the body is parsed by the handler above
@require_POST
def media_upload(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _post_or_404(post_id)
    handler = MediaUploadHandler(request, max_bytes=settings.CLARION_MAX_MEDIA_BYTES)
    request.upload_handlers = [handler]
    data, files = request.POST, request.FILES
    if csrf_failed(request):
        return _render_post(request, post, problems=[EXPIRED_FORM], media_form=MediaForm(data), status=403)
    form = MediaForm(data, files, refused_size=handler.refused_size)
    if not form.is_valid():
        return _render_post(request, post, problems=[FILE_NOT_KEPT], media_form=form, status=400)
    from clarion.scrub import ScrubError  # Pillow and pikepdf: loaded only where files are scrubbed

    try:
        actions.do_add_media(
            actor=request.user,
            post=post,
            data=form.cleaned_data["file"].read(),
            title=form.cleaned_data["title"],
            alt_text=form.cleaned_data["alt_text"],
        )
    except WorkflowError as error:
        form.add_error("alt_text", str(error))
        return _render_post(request, post, problems=[FILE_NOT_KEPT], media_form=form, status=400)
    except ScrubError as error:
        form.add_error("file", str(error))
        return _render_post(request, post, problems=[FILE_NOT_KEPT], media_form=form, status=400)
    return redirect(_post_url(post, "media"))


@editor_page
@require_POST
def media_remove(request: HttpRequest, post_id: int, media_id: int) -> HttpResponse:
    post = _post_or_404(post_id)
    item = post.media.filter(pk=media_id).first()
    if item is None:
        raise Http404("No such file.")
    actions.do_remove_media(actor=request.user, media=item)
    return redirect(_post_url(post, "media"))


@editor_page
@require_GET
def media_file(request: HttpRequest, name: str) -> HttpResponse:
    """Serve a post's scrubbed file to editors, published or not (never the original)."""
    token, _, extension = name.partition(".")
    item = Media.objects.filter(token=token, extension=f".{extension}").first()
    if item is None:
        raise Http404("No such file.")
    try:
        handle = media_store.path_of(item.filename).open("rb")
    except (OSError, ValueError):
        raise Http404("No such file.") from None
    return FileResponse(
        handle,
        content_type=item.media_type,
        as_attachment=item.kind == Media.Kind.DOCUMENT,
        filename=item.filename,
    )


# --- a draft from a tip -----------------------------------------------------------------------


@editor_page
@require_http_methods(["GET", "POST"])
def draft_from_tip(request: HttpRequest, tip_id: uuid.UUID) -> HttpResponse:
    """Show a tip's passages to an editor who reviews it; start a draft quoting only those ticked."""
    if not is_reviewer(request.user):
        raise Http404("No tip with this id is open to you.")
    tip = access_tip_for_reviewer(user=request.user, tip_id=tip_id)
    keypair = held_identity(request)
    if keypair is None:
        return redirect_to_login(request.path, settings.LOGIN_URL)
    try:
        passages = source_passages(tip=tip, user=request.user, keypair=keypair)
    except vault.DecryptionError:
        return render(request, "publishing/staff/locked.html", {"message": LOCKED}, status=403)
    form = DraftFromTipForm(request.POST or None, passages=passages)
    reference = CaseFile.objects.filter(tip=tip).values_list("reference", flat=True).first() or ""
    rows = list(zip(form["passages"], passages, strict=True))
    context = {"form": form, "tip": tip, "reference": reference, "rows": rows}
    if request.method != "POST":
        casework_actions.do_record_tip_read(actor=request.user, tip=tip)
        return render(request, "publishing/staff/from_tip.html", context)
    if not form.is_valid():
        return render(request, "publishing/staff/from_tip.html", context, status=400)
    try:
        post = actions.do_start_draft_from_tip(
            actor=request.user,
            tip=tip,
            kind=form.cleaned_data["kind"],
            slug=form.cleaned_data["slug"],
            title=form.cleaned_data["title"],
            quotes=form.chosen_quotes(),
            keypair=keypair,
        )
    except IntegrityError:
        form.add_error("slug", SLUG_TAKEN)
        return render(request, "publishing/staff/from_tip.html", context, status=400)
    return redirect(_post_url(post))
