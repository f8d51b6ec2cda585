"""Drafts sealed at rest (part 2 of 3): seal what exists, then forget the readable copies.

Written out here (not imported from the app) so that it keeps doing what it did when written.
A publishing key is made and wrapped to every editor who holds an identity; each revision's
content (its words, the post's details, the post's files with their captions) is sealed to it,
as are redaction flags, kept passages, comments and each file. Only the published revision
keeps its readable text; files of unpublished posts lose their readable copy. Revisions of a
post linked to tips are recorded as quoting them, so that destroying a tip destroys them
(their quotes cannot be told apart without the tips' keys, which no migration holds).

A scheduled revision needs its schedule confirmed by an editor afterwards: its copy for the
background worker can only be made by a running server (clarion/publishing/embargo.py).

Backwards, nothing is unsealed (no key is at hand): the readable columns come back empty,
except the published revisions', which were never emptied.
"""

import hashlib
import hmac
import json
from pathlib import Path

from django.conf import settings
from django.db import migrations

from clarion import vault

READABLE = ("title", "summary", "body", "body_html", "addressed_to", "signatories", "correction")


def _content(revision, post, media):
    return {
        "title": revision.title,
        "summary": revision.summary,
        "body": revision.body,
        "addressed_to": revision.addressed_to,
        "signatories": revision.signatories,
        "correction": revision.correction,
        "byline_editor_id": post.byline_editor_id,
        "byline_name": post.byline_name,
        "category_id": post.category_id,
        "tag_ids": sorted(post.tags.values_list("pk", flat=True)),
        "pinned": post.pinned,
        "show_corroboration": post.show_corroboration,
        "media": [{"media_id": item.pk, "title": item.title, "alt_text": item.alt_text} for item in media],
    }


def _dump(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def seal_existing(apps, schema_editor):
    Post = apps.get_model("publishing", "Post")
    if not Post.objects.exists():
        return
    PublishingKey = apps.get_model("publishing", "PublishingKey")
    PublishingKeyWrap = apps.get_model("publishing", "PublishingKeyWrap")
    KeyCustody = apps.get_model("accounts", "KeyCustody")
    publishing = vault.generate_keypair()
    key = PublishingKey.objects.create(public_key=publishing.recipient)
    for custody in KeyCustody.objects.filter(user__is_active=True, user__groups__name="editor").distinct():
        PublishingKeyWrap.objects.create(
            key=key,
            user_id=custody.user_id,
            recipient=custody.public_key,
            wrapped=vault.wrap_secrets({"publishing": publishing.identity}, [custody.public_key]),
        )

    def seal(value: bytes) -> bytes:
        return vault.encrypt(value, [publishing.recipient])

    media_dir = Path(settings.CLARION_MEDIA_DIR)
    Revision = apps.get_model("publishing", "Revision")
    RevisionQuote = apps.get_model("publishing", "RevisionQuote")
    PublishedMedia = apps.get_model("publishing", "PublishedMedia")
    for post in Post.objects.all():
        media = list(post.media.order_by("uploaded_at", "pk"))
        tips = [link.tip_id for link in post.tip_links.all()]
        for item in media:
            file_key = vault.generate_keypair()
            item.key_wrap = vault.wrap_secrets({"media": file_key.identity}, [publishing.recipient])
            item.sealed_report = seal(_dump(list(item.removed)))
            item.save(update_fields=["key_wrap", "sealed_report"])
            readable = media_dir / f"{item.token}{item.extension}"
            if readable.is_file():
                sealed_dir = media_dir / "sealed"
                sealed_dir.mkdir(mode=0o700, exist_ok=True)
                (sealed_dir / f"{item.token}.age").write_bytes(
                    vault.encrypt(readable.read_bytes(), [file_key.recipient])
                )
                if post.published_revision_id is None:
                    readable.unlink()
        for revision in Revision.objects.filter(post=post):
            published = revision.pk == post.published_revision_id
            revision.sealed = seal(_dump(_content(revision, post, media)))
            if published:
                for position, item in enumerate(media):
                    PublishedMedia.objects.create(
                        revision=revision, media=item, title=item.title, alt_text=item.alt_text, position=position
                    )
            else:
                for name in READABLE:
                    setattr(revision, name, "")
                for tip_id in tips:
                    RevisionQuote.objects.create(revision=revision, tip_id=tip_id, sealed_under=False)
            revision.save()
            check = getattr(revision, "redaction_check", None)
            if check is not None:
                check.sealed_flags = seal(_dump(check.flags))
                check.save(update_fields=["sealed_flags"])
        for decision in post.redaction_decisions.all():
            decision.key_digest = hmac.new(
                publishing.identity.encode(), decision.key.encode(), hashlib.sha256
            ).hexdigest()
            decision.sealed = seal(json.dumps({"key": decision.key, "reason": decision.reason}).encode())
            decision.source_words = decision.key.startswith("source-words:")
            decision.save(update_fields=["key_digest", "sealed", "source_words"])
        for comment in post.comments.all():
            comment.sealed = seal(comment.text.encode())
            comment.save(update_fields=["sealed"])


def nothing_to_unseal(apps, schema_editor):
    """Leave sealed content sealed: no key is at hand to open it."""


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0003_sealed_drafts"),
        ("accounts", "0002_recovery_invitations_sessions"),
    ]

    operations = [migrations.RunPython(seal_existing, nothing_to_unseal)]
