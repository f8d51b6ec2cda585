"""Editors' pages: the list of posts, a post with its review, revisions, flags and media, a draft from a tip.

Every page is behind `editor_required` (both factors, the editor role) and never cached: drafts,
staff comments and links to tips are not public. Drafts are sealed at rest (sealing.py): each
page opens what it shows with the publishing key, which the editor's session unlocks. Views are
thin: a form, one action, a page.
A refused step (`WorkflowError`, `ScrubError`) is shown on the page with everything typed kept.

The links between a post and its tips are staff-only. An editor sees how many tips a post is
linked to; which tips, only for those they may read themselves (casework's gatekeeper).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clarion import vault
from clarion.casework import actions as casework_actions
from clarion.casework.access import access_tip_for_reviewer, case_references_for_reviewer
from clarion.publishing import actions
from clarion.publishing.access import access_media_for_editor, access_post_for_editor, posts_for_editor
from clarion.publishing.actions import Locked, Purged, WorkflowError
from clarion.publishing.actions.common import LOCKED_LATEST
from clarion.publishing.content import RevisionContent
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
from clarion.publishing.redaction import LABELS, FlagKind
from clarion.publishing.rendering import media_written_in, render_markdown
from clarion.publishing.sealing import EditorKeys, NoPublishingKey, unlock_publishing_key
from clarion.publishing.tip_passages import source_passages
from clarion.web.csrf import EXPIRED_FORM, csrf_failed
from clarion.web.decorators import editor_required
from clarion.web.messages import LOCKED
from clarion.web.pages import StaffArea, cannot_open
from clarion.web.staff_identity import held_identity
from clarion.web.staff_request import StaffRequest
from clarion.web.uploads import InMemoryUploadHandler

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PAGE_SIZE = 50
AREA = StaffArea(
    layout="publishing/staff/base.html", home="editorial:list", back_label=gettext_lazy("Back to the posts")
)
QUOTES_A_TIP = gettext_lazy(
    "This revision quotes a tip you cannot read, word for word: only the tip's readers open it until the "
    "quote is redacted or kept with a reason."
)
NO_PUBLISHING_KEY = gettext_lazy(
    "You do not hold the publishing key yet: drafts are encrypted to it. It is given to you automatically "
    "the next time an editor who holds it opens the posts page; ask one to do so, then come back."
)
FILE_NOT_KEPT = gettext_lazy("Browsers never keep chosen files: choose the file again before uploading.")


def editor_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Guard an editor page, keep it out of every cache, and open the publishing key for it.

    The view gets `keys` (EditorKeys). A session whose own identity is gone (the key cookie
    was lost) logs in again; an editor who does not hold the publishing key yet is told why.
    """

    @wraps(view)
    def with_keys(request: StaffRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        personal = held_identity(request)
        if personal is None:
            return redirect_to_login(request.path, settings.LOGIN_URL)
        try:
            keys = unlock_publishing_key(user=request.user, personal=personal)
        except NoPublishingKey:
            return cannot_open(request, AREA, NO_PUBLISHING_KEY)
        return view(request, *args, keys=keys, **kwargs)

    return never_cache(editor_required(with_keys))


def _post_url(post: Post, fragment: str = "") -> str:
    return reverse("editorial:post", args=[post.pk]) + (f"#{fragment}" if fragment else "")


def keep_form_id(key: str) -> str:
    """Return a per-flag prefix for form ids, so that each flag's form has labels of its own."""
    return "keep-" + hashlib.sha256(key.encode()).hexdigest()[:10] + "-%s"


@dataclass
class OpenedRevision:
    """A revision as an editor sees it: its content opened and rendered, or why it cannot be."""

    revision: Revision
    content: RevisionContent | None
    locked: bool = False

    @property
    def purged(self) -> bool:
        return self.revision.is_purged

    @property
    def number(self) -> int:
        return self.revision.number

    @cached_property
    def media(self) -> list[dict]:
        """Return the revision's files with their captions, in order (fetched once per page)."""
        if self.content is None:
            return []
        rows = {item.pk: item for item in self.revision.post.media.filter(pk__in=self.content.media_ids)}
        return [{"item": rows[use.media_id], "use": use} for use in self.content.media if use.media_id in rows]

    def body_html(self) -> str:
        """Render the body as readers would see it, images from the editors' preview address."""
        if self.content is None:
            return ""
        images = {
            row["item"].filename: reverse("editorial:media", args=[row["item"].filename])
            for row in self.media
            if row["item"].kind == Media.Kind.IMAGE
        }
        return render_markdown(self.content.body, media=images)

    def figures(self) -> list[dict]:
        """Return the images the body does not already show (a figure each), and the documents."""
        written = media_written_in(self.content.body) if self.content else set()
        return [row for row in self.media if row["item"].filename not in written]


def open_for(revision: Revision, keys: EditorKeys) -> OpenedRevision:
    try:
        return OpenedRevision(revision, actions.open_revision(revision, keys))
    except Locked:
        return OpenedRevision(revision, None, locked=True)
    except Purged:
        return OpenedRevision(revision, None)


# --- the list ---------------------------------------------------------------------------------


@editor_page
@require_GET
def post_list(request: StaffRequest, keys: EditorKeys) -> HttpResponse:
    form = PostFilterForm(request.GET or None)
    posts = posts_for_editor(actor=request.user)
    if form.is_bound and form.is_valid() and form.cleaned_data["state"]:
        posts = posts.filter(state=form.cleaned_data["state"])
    posts = posts.order_by("-pk")
    page = Paginator(posts, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for post in page:
        latest = post.latest_revision
        opened = open_for(latest, keys) if latest else None
        title = opened.content.title if opened and opened.content else ""
        rows.append({"post": post, "latest": latest, "title": title, "locked": bool(opened and opened.locked)})
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "rows": rows, "query": query.urlencode()}
    return render(request, "publishing/staff/list.html", context)


# --- writing ----------------------------------------------------------------------------------


def _render_form(request: StaffRequest, form: PostForm, *, problems: list[str] | None = None) -> HttpResponse:
    status = 400 if (problems or form.errors) else 200
    title = form.base.title if form.base else ""
    context = {"form": form, "post": form.post, "title": title, "problems": problems or []}
    return render(request, "publishing/staff/edit.html", context, status=status)


@editor_page
@require_http_methods(["GET", "POST"])
def post_new(request: StaffRequest, keys: EditorKeys) -> HttpResponse:
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
                keys=keys,
            )
    except IntegrityError:
        # Another editor took the address between the check and the save.
        form.add_error("slug", SLUG_TAKEN)
        return _render_form(request, form)
    return redirect(_post_url(post))


@editor_page
@require_http_methods(["GET", "POST"])
def post_edit(request: StaffRequest, post_id: int, keys: EditorKeys) -> HttpResponse:
    post = access_post_for_editor(actor=request.user, post_id=post_id)
    try:
        _base, content = actions.base_content(post, keys)
    except WorkflowError as error:
        return cannot_open(request, AREA, str(error))
    form = PostForm(request.POST or None, post=post, base=content, user=request.user)
    if request.method != "POST" or not form.is_valid():
        return _render_form(request, form)
    try:
        with transaction.atomic():
            actions.do_save_post(
                actor=request.user,
                post=post,
                content=form.content(),
                keys=keys,
                kind=form.cleaned_data["kind"],
                slug=form.cleaned_data["slug"],
            )
    except IntegrityError:
        form.add_error("slug", SLUG_TAKEN)
        return _render_form(request, form)
    except WorkflowError as error:
        return _render_form(request, form, problems=[str(error)])
    return redirect(_post_url(post))


# --- the post's page --------------------------------------------------------------------------


def _linked_tips(request: StaffRequest, post: Post) -> tuple[int, list[tuple[uuid.UUID, str]]]:
    """Return how many tips are linked, and (id, reference) of those this person may read."""
    tips = [link.tip for link in post.tip_links.select_related("tip").order_by("linked_at", "pk")]
    references = case_references_for_reviewer(actor=request.user, tips=tips)
    return len(tips), list(references.items())


def _flags_for_page(post: Post, latest: Revision | None, keys: EditorKeys, keep_form: KeepFlagForm | None) -> tuple:
    """Return (check, open flags with their keep forms, decisions) of the latest revision, opened."""
    check = RedactionCheck.objects.filter(revision=latest).select_related("checked_by").first() if latest else None
    try:
        flags = actions.stored_flags(check, keys) if check else []
        decisions = actions.decisions_of(post, keys)
    except Locked:
        return check, [], {}
    rows = []
    for flag in actions.open_flags(flags, decisions):
        mine = keep_form is not None and keep_form.data.get("key") == flag["key"]
        form = keep_form if mine else KeepFlagForm(initial={"key": flag["key"]}, auto_id=keep_form_id(flag["key"]))
        rows.append({**flag, "label": LABELS[FlagKind(flag["kind"])], "keep_form": form})
    return check, rows, decisions


def _render_post(
    request: StaffRequest,
    post: Post,
    keys: EditorKeys,
    *,
    problems: list[StrOrPromise] | None = None,
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
        # From the stored check: opening the page changes nothing (approving runs the check again).
        approval_problems = actions.approval_problems(actor=request.user, post=post, revision=latest, keys=keys)
    opened = open_for(latest, keys) if latest else None
    check, flags, decisions = _flags_for_page(post, latest, keys, keep_form)
    tip_count, readable_tips = _linked_tips(request, post)
    scheduled = post.scheduled_revision
    context = {
        "post": post,
        "latest": opened,
        "check": check,
        "flags": flags,
        "decisions": list(decisions.values()),
        "approval_problems": approval_problems,
        "approve_form": approve_form
        or ApproveForm(initial={"revision": latest.number if latest else None, "when": "now"}),
        "send_back_form": send_back_form or SendBackForm(),
        "retract_form": retract_form or RetractForm(),
        "media_form": media_form or MediaForm(),
        "revisions": post.revisions.select_related("created_by", "approved_by", "purged_by").order_by("-number"),
        "corrections": post.corrections.all(),
        "comments": actions.comments_of(post, keys),
        "media": [
            {**row, "removed": actions.media_report(row["item"], keys)} for row in (opened.media if opened else [])
        ],
        "tip_count": tip_count,
        "readable_tips": readable_tips,
        "needs_rearm": scheduled is not None and not actions.can_publish_on_time(scheduled),
        "locked_message": QUOTES_A_TIP,
        "problems": problems or [],
    }
    return render(request, "publishing/staff/post.html", context, status=status)


@editor_page
@require_GET
def post_detail(request: StaffRequest, post_id: int, keys: EditorKeys) -> HttpResponse:
    return _render_post(request, access_post_for_editor(actor=request.user, post_id=post_id), keys)


@editor_page
@require_GET
def revision_detail(request: StaffRequest, post_id: int, number: int, keys: EditorKeys) -> HttpResponse:
    post = access_post_for_editor(actor=request.user, post_id=post_id)
    revision = post.revisions.select_related("created_by", "approved_by", "purged_by").filter(number=number).first()
    if revision is None:
        raise Http404("No such revision.")
    opened = open_for(revision, keys)
    context = {"post": post, "revision": opened, "locked_message": QUOTES_A_TIP, "problems": []}
    return render(request, "publishing/staff/revision.html", context, status=403 if opened.locked else 200)


@editor_page
@require_POST
def revision_purge(request: StaffRequest, post_id: int, number: int, keys: EditorKeys) -> HttpResponse:
    post = access_post_for_editor(actor=request.user, post_id=post_id)
    revision = post.revisions.filter(number=number).first()
    if revision is None:
        raise Http404("No such revision.")
    try:
        actions.do_purge_revision(actor=request.user, revision=revision)
    except WorkflowError as error:
        context = {"post": post, "revision": open_for(revision, keys), "problems": [str(error)]}
        return render(request, "publishing/staff/revision.html", context, status=400)
    return redirect(reverse("editorial:revision", args=[post.pk, number]))


@editor_page
@require_POST
def submit(request: StaffRequest, post_id: int, keys: EditorKeys) -> HttpResponse:
    post = access_post_for_editor(actor=request.user, post_id=post_id)
    try:
        actions.do_submit_post(actor=request.user, post=post, keys=keys)
    except WorkflowError as error:
        return _render_post(request, post, keys, problems=[str(error)], status=400)
    return redirect(_post_url(post))


@editor_page
@require_POST
def run_check(request: StaffRequest, post_id: int, keys: EditorKeys) -> HttpResponse:
    post = access_post_for_editor(actor=request.user, post_id=post_id)
    latest = post.latest_revision
    if latest is None:
        raise Http404("No revision to check.")
    try:
        actions.do_run_redaction_check(revision=latest, actor=request.user, keys=keys)
    except Locked:
        return _render_post(request, post, keys, problems=[str(LOCKED_LATEST)], status=403)
    except Purged:
        return _render_post(request, post, keys, problems=[_("This revision was purged.")], status=400)
    return redirect(_post_url(post, "redaction"))


@editor_page
@require_POST
def approve(request: StaffRequest, post_id: int, keys: EditorKeys) -> HttpResponse:
    post = access_post_for_editor(actor=request.user, post_id=post_id)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        return _render_post(request, post, keys, approve_form=form, status=400)
    revision = post.revisions.filter(number=form.cleaned_data["revision"]).first()
    if revision is None:
        return _render_post(request, post, keys, problems=[_("This revision does not exist.")], status=400)
    try:
        actions.do_approve_post(
            actor=request.user, post=post, revision=revision, keys=keys, publish_at=form.publish_at_or_none()
        )
    except WorkflowError as error:
        return _render_post(request, post, keys, problems=[str(error)], approve_form=form, status=400)
    return redirect(_post_url(post))


@editor_page
@require_POST
def rearm(request: StaffRequest, post_id: int, keys: EditorKeys) -> HttpResponse:
    post = access_post_for_editor(actor=request.user, post_id=post_id)
    try:
        actions.do_rearm_schedule(actor=request.user, post=post, keys=keys)
    except WorkflowError as error:
        return _render_post(request, post, keys, problems=[str(error)], status=400)
    return redirect(_post_url(post))


@editor_page
@require_POST
def send_back(request: StaffRequest, post_id: int, keys: EditorKeys) -> HttpResponse:
    post = access_post_for_editor(actor=request.user, post_id=post_id)
    form = SendBackForm(request.POST)
    if not form.is_valid():
        return _render_post(request, post, keys, send_back_form=form, status=400)
    try:
        actions.do_request_changes(actor=request.user, post=post, comment=form.cleaned_data["comment"])
    except WorkflowError as error:
        return _render_post(request, post, keys, problems=[str(error)], send_back_form=form, status=400)
    return redirect(_post_url(post, "comments"))


@editor_page
@require_POST
def retract(request: StaffRequest, post_id: int, keys: EditorKeys) -> HttpResponse:
    post = access_post_for_editor(actor=request.user, post_id=post_id)
    form = RetractForm(request.POST)
    if not form.is_valid():
        return _render_post(request, post, keys, retract_form=form, status=400)
    try:
        actions.do_retract_post(
            actor=request.user,
            post=post,
            notice=form.cleaned_data["notice"],
            withdraw_text=form.cleaned_data["withdraw_text"],
        )
    except WorkflowError as error:
        return _render_post(request, post, keys, problems=[str(error)], retract_form=form, status=400)
    return redirect(_post_url(post))


@editor_page
@require_POST
def redact(request: StaffRequest, post_id: int, keys: EditorKeys) -> HttpResponse:
    post = access_post_for_editor(actor=request.user, post_id=post_id)
    form = FlagForm(request.POST)
    if not form.is_valid():
        return _render_post(request, post, keys, problems=[_("Choose a flag to redact.")], status=400)
    try:
        actions.do_redact_flagged(actor=request.user, post=post, key=form.cleaned_data["key"], keys=keys)
    except (WorkflowError, Locked) as error:
        return _render_post(request, post, keys, problems=[str(error)], status=400)
    return redirect(_post_url(post, "redaction"))


@editor_page
@require_POST
def keep(request: StaffRequest, post_id: int, keys: EditorKeys) -> HttpResponse:
    post = access_post_for_editor(actor=request.user, post_id=post_id)
    key = request.POST.get("key", "")
    form = KeepFlagForm(request.POST, auto_id=keep_form_id(key))
    if not form.is_valid():
        return _render_post(request, post, keys, keep_form=form, status=400)
    try:
        actions.do_keep_flagged(actor=request.user, post=post, key=key, reason=form.cleaned_data["reason"], keys=keys)
    except (WorkflowError, Locked) as error:
        form.add_error("reason", str(error))
        return _render_post(request, post, keys, keep_form=form, status=400)
    return redirect(_post_url(post, "redaction"))


# --- media ------------------------------------------------------------------------------------


@editor_page
@csrf_exempt  # the token is checked below, once the body is parsed by the in-memory handler
@require_POST
def media_upload(request: StaffRequest, post_id: int, keys: EditorKeys) -> HttpResponse:
    post = access_post_for_editor(actor=request.user, post_id=post_id)
    handler = InMemoryUploadHandler(request, max_bytes=settings.CLARION_MAX_MEDIA_BYTES, field="file")
    request.upload_handlers = [handler]
    data, files = request.POST, request.FILES
    if csrf_failed(request):
        return _render_post(request, post, keys, problems=[str(EXPIRED_FORM)], media_form=MediaForm(data), status=403)
    form = MediaForm(data, files, refused_size=handler.refused_size, extra_parts=handler.extra_parts)
    if not form.is_valid():
        return _render_post(request, post, keys, problems=[FILE_NOT_KEPT], media_form=form, status=400)
    from clarion.scrub import ScrubError  # Pillow and pikepdf: loaded only where files are scrubbed

    try:
        actions.do_add_media(
            actor=request.user,
            post=post,
            data=form.cleaned_data["file"].read(),
            title=form.cleaned_data["title"],
            alt_text=form.cleaned_data["alt_text"],
            keys=keys,
        )
    except WorkflowError as error:
        form.add_error("alt_text", str(error))
        return _render_post(request, post, keys, problems=[FILE_NOT_KEPT], media_form=form, status=400)
    except ScrubError as error:
        form.add_error("file", str(error))
        return _render_post(request, post, keys, problems=[FILE_NOT_KEPT], media_form=form, status=400)
    return redirect(_post_url(post, "media"))


@editor_page
@require_POST
def media_remove(request: StaffRequest, post_id: int, media_id: int, keys: EditorKeys) -> HttpResponse:
    post = access_post_for_editor(actor=request.user, post_id=post_id)
    item = post.media.filter(pk=media_id).first()
    if item is None:
        raise Http404("No such file.")
    try:
        actions.do_remove_media(actor=request.user, post=post, media=item, keys=keys)
    except WorkflowError as error:
        return _render_post(request, post, keys, problems=[str(error)], status=400)
    return redirect(_post_url(post, "media"))


@editor_page
@require_GET
def media_file(request: StaffRequest, name: str, keys: EditorKeys) -> HttpResponse:
    """Serve a post's scrubbed file to editors, decrypted, published or not (never the original)."""
    item = access_media_for_editor(actor=request.user, name=name)
    try:
        data = actions.open_media(item, keys)
    except (OSError, ValueError, vault.DecryptionError):
        raise Http404("No such file.") from None
    response = HttpResponse(data, content_type=item.media_type)
    response["Content-Disposition"] = content_disposition_header(item.kind == Media.Kind.DOCUMENT, item.filename) or ""
    return response


# --- a draft from a tip -----------------------------------------------------------------------


@editor_page
@require_http_methods(["GET", "POST"])
def draft_from_tip(request: StaffRequest, tip_id: uuid.UUID, keys: EditorKeys) -> HttpResponse:
    """Show a tip's passages to an editor who reviews it; start a draft quoting only those ticked."""
    tip = access_tip_for_reviewer(actor=request.user, tip_id=tip_id)
    try:
        passages = source_passages(tip=tip, user=request.user, keypair=keys.personal)  # type: ignore[arg-type]  # editor_page holds it
    except vault.DecryptionError:
        return cannot_open(request, AREA, LOCKED)
    form = DraftFromTipForm(request.POST or None, passages=passages)
    reference = case_references_for_reviewer(actor=request.user, tips=[tip]).get(tip.pk, "")
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
            keys=keys,
        )
    except IntegrityError:
        form.add_error("slug", SLUG_TAKEN)
        return render(request, "publishing/staff/from_tip.html", context, status=400)
    return redirect(_post_url(post))
