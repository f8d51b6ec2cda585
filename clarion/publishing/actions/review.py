"""The redaction check of a revision, and editors' decisions on its flags, kept sealed.

The rules and the deny-list run on every check. The comparison with the source's own words
needs the linked tips, which only their readers open. The same comparison says which tips a
revision quotes: each is recorded (`RevisionQuote`) so that destroying the tip destroys the
unpublished revision, and while a quote is neither redacted nor kept with a reason the
revision is sealed under that tip's case key too, so that only the tip's readers open it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clarion.audit.log import record
from clarion.intake.models import Tip
from clarion.publishing.actions.common import WorkflowError, open_revision, sealed_layers
from clarion.publishing.content import RevisionContent
from clarion.publishing.models import Post, RedactionCheck, RedactionDecision, Revision, RevisionQuote, SiteSettings
from clarion.publishing.redaction import Flag, FlagKind, check_text, parse_deny_list
from clarion.publishing.sealing import EditorKeys, key_digest, seal, unseal
from clarion.publishing.tip_passages import source_words_for

SOURCE_WORDS = str(FlagKind.SOURCE_WORDS)


@dataclass(frozen=True)
class Decision:
    """An editor's decision to keep a flagged passage, opened."""

    key: str
    reason: str
    decided_by_id: int | None
    decided_by_name: str
    decided_at: datetime


@dataclass(frozen=True)
class CheckResult:
    """A revision's stored check and its flags, opened."""

    check: RedactionCheck
    flags: list[dict]


@dataclass(frozen=True)
class _Computed:
    flags: list[dict]
    quotes: dict[Tip, bool]  # tip -> still unredacted and not kept (seal under its key)
    compared: int
    not_compared: list[Tip]


def decisions_of(post: Post, keys: EditorKeys) -> dict[str, Decision]:
    """Return the post's decisions to keep a passage, by flag key."""
    decisions = {}
    for row in post.redaction_decisions.select_related("decided_by").order_by("decided_at", "pk"):
        opened = json.loads(unseal(row.sealed, keys=keys))
        decisions[opened["key"]] = Decision(
            key=opened["key"],
            reason=opened["reason"],
            decided_by_id=row.decided_by_id,
            decided_by_name=row.decided_by.get_username() if row.decided_by else "",
            decided_at=row.decided_at,
        )
    return decisions


def _flag(flag: Flag) -> dict:
    return {"kind": str(flag.kind), "text": flag.text, "start": flag.start, "end": flag.end, "key": flag.key}


def _compute(*, post: Post, content: RevisionContent, actor: User, keys: EditorKeys) -> _Computed:
    tips = [link.tip for link in post.tip_links.select_related("tip")]
    sources = source_words_for(tips=tips, user=actor, keypair=keys.personal)
    text = content.checked_text(slug=post.slug)
    flags = check_text(text, deny_list=parse_deny_list(SiteSettings.current().deny_list), source_texts=sources.texts)
    kept = set(decisions_of(post, keys))
    quotes = {}
    for tip, texts in sources.by_tip.items():
        words = [f for f in check_text(text, source_texts=texts) if f.kind == FlagKind.SOURCE_WORDS]
        if words:
            quotes[tip] = any(f.key not in kept for f in words)
    return _Computed(
        flags=[_flag(f) for f in flags], quotes=quotes, compared=sources.compared, not_compared=sources.unreadable
    )


def _store(
    *, revision: Revision, content: RevisionContent, computed: _Computed, inherited: dict[Tip, bool], actor: User
) -> CheckResult:
    """Seal the revision under the tips it quotes unredacted, record what it quotes, and keep the check."""
    quotes = {**inherited, **computed.quotes}
    layers = [tip for tip, sealed_under in quotes.items() if sealed_under]
    if {tip.pk for tip in layers} != {tip.pk for tip in sealed_layers(revision)} or not revision.sealed:
        revision.sealed = seal(content.to_json(), tips=layers)
        revision.save(update_fields=["sealed"])
    RevisionQuote.objects.filter(revision=revision).exclude(tip__in=list(quotes)).delete()
    for tip, sealed_under in quotes.items():
        RevisionQuote.objects.update_or_create(revision=revision, tip=tip, defaults={"sealed_under": sealed_under})
    check, _created = RedactionCheck.objects.update_or_create(
        revision=revision,
        defaults={
            "sealed_flags": seal(json.dumps(computed.flags).encode(), tips=layers),
            "tips_compared": computed.compared,
            "tips_not_compared": len(computed.not_compared),
            "checked_by": actor,
            "checked_at": timezone.now(),
        },
    )
    return CheckResult(check=check, flags=computed.flags)


def check_new_revision(
    *, revision: Revision, content: RevisionContent, actor: User, keys: EditorKeys, base: Revision | None
) -> CheckResult:  # noqa: E501
    """Check a revision being saved, and seal it. For linked tips this editor cannot read, what the
    revision it builds on quoted is carried over (they could open that one, so it quoted them only
    declassified, if at all)."""
    computed = _compute(post=revision.post, content=content, actor=actor, keys=keys)
    inherited = {}
    if base is not None:
        unreadable = {tip.pk for tip in computed.not_compared}
        for quote in base.quotes.select_related("tip"):
            if quote.tip_id in unreadable:
                inherited[quote.tip] = quote.sealed_under
    return _store(revision=revision, content=content, computed=computed, inherited=inherited, actor=actor)


def stored_flags(check: RedactionCheck, keys: EditorKeys) -> list[dict]:
    return json.loads(unseal(check.sealed_flags, keys=keys, tips=sealed_layers(check.revision)))


def stored_check(revision: Revision, keys: EditorKeys) -> CheckResult | None:
    """Return the last check of `revision`, opened, or None if it was never checked; a read, never a write.

    Raise Locked or Purged when `keys` cannot open the revision, as running the check would.
    """
    open_revision(revision, keys)
    check = RedactionCheck.objects.filter(revision=revision).select_related("revision").first()
    if check is None:
        return None
    return CheckResult(check=check, flags=stored_flags(check, keys))


@transaction.atomic
def do_run_redaction_check(*, revision: Revision, actor: User, keys: EditorKeys) -> CheckResult:
    """Check a revision again as `actor` sees the linked tips; raise Locked or Purged if they cannot open it.

    Run when a revision is sent for review or approved, when a flag is kept, and by an editor
    who reads linked tips the last check could not compare; never by opening a page. When
    `actor` cannot open every linked tip but a reader already compared this very revision with
    all of them, that reader's source-word flags and quotes are kept rather than overwritten by
    a less complete check.
    """
    result = _run_check(revision=revision, actor=actor, keys=keys)
    detail = f"revision {revision.number}; {result.check.tips_compared} tips compared"
    record(actor=actor, action="post.redaction_check", subject=revision.post, detail=detail)
    return result


def _run_check(*, revision: Revision, actor: User, keys: EditorKeys) -> CheckResult:
    content = open_revision(revision, keys)
    computed = _compute(post=revision.post, content=content, actor=actor, keys=keys)
    earlier = RedactionCheck.objects.filter(revision=revision).first()
    inherited = {}
    if computed.not_compared and earlier is not None and not earlier.tips_not_compared:
        earlier_flags = stored_flags(earlier, keys)
        flags = [f for f in computed.flags if f["kind"] != SOURCE_WORDS]
        flags += [f for f in earlier_flags if f["kind"] == SOURCE_WORDS]
        flags.sort(key=lambda f: (f["start"], f["end"], f["kind"]))
        kept = set(decisions_of(revision.post, keys))
        unreadable = {tip.pk for tip in computed.not_compared}
        for quote in revision.quotes.select_related("tip"):
            if quote.tip_id in unreadable:
                # Still unresolved only while one of its source-word flags is neither kept nor gone.
                inherited[quote.tip] = quote.sealed_under and any(
                    f["kind"] == SOURCE_WORDS and f["key"] not in kept for f in earlier_flags
                )
        computed = _Computed(flags=flags, quotes=computed.quotes, compared=earlier.tips_compared, not_compared=[])
        result = _store(revision=revision, content=content, computed=computed, inherited=inherited, actor=actor)
        RedactionCheck.objects.filter(pk=result.check.pk).update(checked_by=earlier.checked_by)
        result.check.refresh_from_db()
        return result
    return _store(revision=revision, content=content, computed=computed, inherited=inherited, actor=actor)


def open_flags(flags: list[dict], decisions: dict[str, Decision]) -> list[dict]:
    """Return the flags no editor has decided to keep, each passage once."""
    seen: set[str] = set()
    result = []
    for flag in flags:
        if flag["key"] not in decisions and flag["key"] not in seen:
            seen.add(flag["key"])
            result.append(flag)
    return result


@transaction.atomic
def do_keep_flagged(*, actor: User, post: Post, key: str, reason: str, keys: EditorKeys) -> None:
    """Record an editor's decision to keep a flagged passage, with the reason, and check the draft again.

    Keeping the source's own words is a decision only someone who read them can take (they are
    flagged for them alone); once kept, the revision no longer needs sealing under the tip.
    """
    if not reason.strip():
        raise WorkflowError(_("Give a reason for keeping this passage: the second editor reads it."))
    latest = post.latest_revision
    flags = stored_flags(latest.redaction_check, keys) if latest is not None else []
    if latest is None or key not in {flag["key"] for flag in flags}:
        raise WorkflowError(_("This flag is not on the latest revision any more."))
    RedactionDecision.objects.update_or_create(
        post=post,
        key_digest=key_digest(keys, key),
        defaults={
            "sealed": seal(json.dumps({"key": key, "reason": reason.strip()}).encode()),
            "source_words": key.startswith(f"{SOURCE_WORDS}:"),
            "decided_by": actor,
            "decided_at": timezone.now(),
        },
    )
    record(actor=actor, action="post.keep_flag", subject=post, detail=f"revision {latest.number}")
    do_run_redaction_check(revision=latest, actor=actor, keys=keys)


def redaction_pattern(text: str) -> re.Pattern[str]:
    """Match every occurrence of a flagged passage, in any case and with any spacing: one missed copy is enough."""
    return re.compile(r"\s+".join(re.escape(word) for word in text.split()), re.IGNORECASE)
