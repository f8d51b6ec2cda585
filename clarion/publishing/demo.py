"""Demo content of publishing: pages, reports, a pinned open letter and an update.

Loaded by `python -m clarion demo` (clarion/web/demos.py). The posts go through the real workflow: written by the demo
reviewer (who is also an editor) and approved by a second account, `demo-editor`, which has
no usable password — a newcomer who wants to try the two-person rule invites a second editor.
Drafts are sealed to the publishing key, made here on first use (wrapped to the demo reviewer);
this module holds it in memory for the demo approvals and forgets it when it ends.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from clarion.accounts.demo import REVIEWER_USERNAME
from clarion.accounts.roles import EDITOR, grant_role
from clarion.publishing.actions import RevisionContent, do_approve_post, do_create_post, do_submit_post
from clarion.publishing.models import Category, Post, SiteSettings, Tag
from clarion.publishing.sealing import EditorKeys, ensure_publishing_key
from clarion.web.demos import Demo

PAGES = [
    ("about", "About us", "We are the staff council of Riverside City: elected colleagues who speak up for staff."),
    (
        "how-we-protect-sources",
        "How we protect sources",
        "We never ask who you are. Tips are encrypted before they are stored, and only the reviewers of "
        "the channel you chose can read them. We do not publish anything that could identify you: every "
        "draft is checked for names, numbers, dates and your own words, and a second editor approves it.",
    ),
    (
        "corrections",
        "Corrections policy",
        "When we get something wrong we say so on the post, with the date of the correction. "
        "A post we can no longer stand behind is retracted, and stays online with the reason.",
    ),
]
POSTS = [
    (
        Post.Kind.LETTER,
        "staffing-letter",
        "Open letter: staff the night shifts safely",
        "To the City Manager, on single-person night shifts at the water works.",
        "We ask you to end single-person night shifts at the water works before winter.\n\n"
        "Colleagues have described near misses that nobody would have seen.",
        "safety",
    ),
    (
        Post.Kind.REPORT,
        "overtime-unpaid",
        "Overtime went unpaid at two depots",
        "Pay records show a year of unpaid overtime for drivers.",
        "## What we found\n\nPay slips for drivers at two depots show **no overtime paid** for twelve months, "
        "while rotas show extra shifts every week.\n\n## What happens next\n\nWe have asked the city to pay "
        "what is owed.",
        "pay",
    ),
    (
        Post.Kind.REPORT,
        "lift-inspections",
        "Lift inspections were signed off without a visit",
        "Inspection sheets were completed for lifts nobody checked.",
        "Several inspection sheets were signed on days when the lifts were not visited.",
        "safety",
    ),
    (
        Post.Kind.UPDATE,
        "overtime-response",
        "The city responds on overtime",
        "A first answer from the city on unpaid overtime.",
        "The city has agreed to review the pay records of both depots.",
        "pay",
    ),
]


def load(demo: Demo) -> None:
    if Post.objects.exists():
        return
    User = get_user_model()
    author = User.objects.filter(username=REVIEWER_USERNAME).first() or User.objects.create_user("demo-author")
    approver = User.objects.create_user("demo-editor")  # no usable password: approvals only
    for user in (author, approver):
        grant_role(user, EDITOR)
    _key, publishing = ensure_publishing_key()
    if publishing is None:
        demo.stderr.write("  Public site: a publishing key exists already, so no demo posts were written.")
        return
    keys = {user: EditorKeys(user=user, publishing=publishing, personal=None) for user in (author, approver)}
    categories = {
        slug: Category.objects.create(name=name, slug=slug) for slug, name in (("pay", "Pay"), ("safety", "Safety"))
    }
    tag = Tag.objects.create(name="Depots", slug="depots")
    with transaction.atomic():
        pages = {
            slug: _publish(keys, author, approver, Post.Kind.PAGE, RevisionContent(title=title, body=body), slug)
            for slug, title, body in PAGES
        }
        SiteSettings.objects.update_or_create(
            pk=SiteSettings.current().pk,
            defaults={
                "corrections_policy": pages["corrections"],
                "sourcing_policy": pages["how-we-protect-sources"],
            },
        )
        for number, (kind, slug, title, summary, body, category) in enumerate(POSTS):
            content = RevisionContent(
                title=title,
                summary=summary,
                body=body,
                category_id=categories[category].pk,
                tag_ids=(tag.pk,) if category == "pay" else (),
                pinned=kind == Post.Kind.LETTER,
            )
            post = _publish(keys, author, approver, kind, content, slug)
            post.first_published_at = timezone.now() - dt.timedelta(days=3 * (len(POSTS) - number))
            post.public_updated_at = post.first_published_at
            post.save(update_fields=["first_published_at", "public_updated_at"])
    demo.stdout.write("  Public site: / (posts written by 'reviewer', also an editor; approved by 'demo-editor')")


def _publish(
    keys: dict[User, EditorKeys], author: User, approver: User, kind: str, content: RevisionContent, slug: str
) -> Post:
    post = do_create_post(actor=author, kind=kind, slug=slug, content=content, keys=keys[author])
    do_submit_post(actor=author, post=post, keys=keys[author])
    do_approve_post(actor=approver, post=post, revision=post.latest_revision, keys=keys[approver])  # type: ignore[arg-type]
    post.refresh_from_db()
    return post
