"""Keep drafts unreadable at rest: seal what editors write to a publishing key only editors hold.

Threats (docs/design.md, property 1, drafts included; the security review's M6): someone who takes the
server, its disk or a backup reads a draft that quotes a source, or the staff number an
editor later redacted; an editor who does not read a tip reads the source's words through a
draft quoting it.

- The publishing key is an age identity made once. Its secret is stored only wrapped to each
  editor's own identity (as a tip's keys are wrapped to its reviewers), so a copy of the
  database opens nothing. An editor who holds it grants it to editors who do not yet, when
  they open the editors' pages; taking the editor role away deletes the wrap.
- Unpublished revisions, redaction-check flags, kept-passage decisions, editors' comments and
  each media file's own key are sealed to it.
- A revision that quotes a tip's words unredacted is sealed under one more layer per such
  tip, to the tip's case key: only editors who read that tip open it (`Locked` otherwise).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from clarion import vault
from clarion.accounts.roles import EDITOR
from clarion.audit.log import record
from clarion.casework.access import access_tip_for_reviewer, unlock_tip_for_reviewer
from clarion.intake.models import Tip
from clarion.publishing.models import PublishingKey, PublishingKeyWrap, SiteSettings
from clarion.vault import AgeIdentityStr, AgeRecipientStr, KeyPair


class Locked(Exception):
    """A sealed draft this person cannot open: it quotes tips they do not read (`tips`)."""

    def __init__(self, tips: Sequence[Tip] = ()) -> None:
        super().__init__(_("This draft quotes a tip you cannot read."))
        self.tips = list(tips)


class NoPublishingKey(Exception):
    """The editor does not hold the publishing key (yet): another editor must grant it."""


@dataclass(repr=False)
class EditorKeys:
    """What one editor's request holds: the publishing identity and their own (which opens tips)."""

    user: Any
    publishing: KeyPair
    personal: KeyPair | None
    _case_identities: dict[Any, AgeIdentityStr | None] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"EditorKeys(user={self.user!r}, <redacted>)"

    def case_identity(self, tip: Tip) -> AgeIdentityStr | None:
        """Return the tip's case secret if this editor reads the tip now, else None (remembered per request)."""
        if tip.pk not in self._case_identities:
            self._case_identities[tip.pk] = self._unlock_case(tip)
        return self._case_identities[tip.pk]

    def _unlock_case(self, tip: Tip) -> AgeIdentityStr | None:
        if self.personal is None:
            return None
        try:
            access_tip_for_reviewer(actor=self.user, tip_id=tip.pk)
            return unlock_tip_for_reviewer(tip=tip, user=self.user, keypair=self.personal).case
        except (Http404, vault.DecryptionError):
            return None


# --- the publishing key -------------------------------------------------------------------------


def current_key() -> PublishingKey | None:
    return PublishingKey.objects.order_by("-pk").first()


def _editors_with_keys() -> QuerySet[User]:
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=EDITOR, key_custody__isnull=False)
        .select_related("key_custody")
        .distinct()
    )


def grant_to_editors(*, publishing: KeyPair, key: PublishingKey, actor: User | None = None) -> list:
    """Wrap the publishing secret to every active editor who holds an identity and no wrap yet; return them."""
    wrapped_to = set(PublishingKeyWrap.objects.filter(key=key).values_list("recipient", flat=True))
    granted = []
    for user in _editors_with_keys():
        recipient = user.key_custody.public_key
        if recipient in wrapped_to:
            continue
        PublishingKeyWrap.objects.create(
            key=key,
            user=user,
            recipient=recipient,
            wrapped=vault.wrap_secrets({"publishing": publishing.identity}, [AgeRecipientStr(recipient)]),
        )
        record(actor=actor, action="publishing.key_granted", subject=user, detail=user.get_username())
        granted.append(user)
    return granted


def ensure_publishing_key(*, actor: User | None = None) -> tuple[PublishingKey, KeyPair | None]:
    """Return the publishing key, making it (wrapped to every editor) if there is none yet.

    The identity is returned only when it was made here: otherwise it exists only wrapped.
    """
    existing = current_key()
    if existing is not None:
        return existing, None
    with transaction.atomic():
        SiteSettings.current()
        # The settings row serialises two processes making the first key at once.
        SiteSettings.objects.select_for_update().order_by("pk").first()
        existing = current_key()
        if existing is not None:
            return existing, None
        publishing = vault.generate_keypair()
        key = PublishingKey.objects.create(public_key=publishing.recipient)
        record(actor=actor, action="publishing.key_created")
        grant_to_editors(publishing=publishing, key=key, actor=actor)
    return key, publishing


def publishing_recipient() -> AgeRecipientStr:
    key, _identity = ensure_publishing_key()
    return AgeRecipientStr(key.public_key)


def unlock_publishing_key(*, user: User, personal: KeyPair | None) -> EditorKeys:
    """Open the publishing key with the editor's identity; raise NoPublishingKey when they hold none.

    Whoever holds it grants it to the editors who do not yet (new editors, re-enrolled ones).
    """
    if personal is None:
        raise NoPublishingKey("This session holds no key: log in again.")
    key, _made = ensure_publishing_key(actor=user)
    wrap = PublishingKeyWrap.objects.filter(key=key, user=user, recipient=personal.recipient).first()
    if wrap is None:
        raise NoPublishingKey("You do not hold the publishing key yet.")
    try:
        secret = vault.unwrap_secrets(bytes(wrap.wrapped), [personal.identity])["publishing"]
    except (vault.DecryptionError, KeyError):
        raise NoPublishingKey("Your wrap of the publishing key does not open.") from None
    publishing = vault.keypair_from_identity(secret)
    grant_to_editors(publishing=publishing, key=key, actor=user)
    return EditorKeys(user=user, publishing=publishing, personal=personal)


def revoke_publishing_key(user: User, *, actor: User | None = None) -> None:
    """Delete every wrap of the publishing key to `user` (no longer an editor, or disabled)."""
    deleted, _ = PublishingKeyWrap.objects.filter(user=user).delete()
    if deleted:
        record(actor=actor, action="publishing.key_revoked", subject=user, detail=user.get_username())


# --- sealing ------------------------------------------------------------------------------------


def _ordered(tips: Iterable[Tip]) -> list[Tip]:
    return sorted(tips, key=lambda tip: str(tip.pk))


def seal(payload: bytes, *, tips: Iterable[Tip] = ()) -> bytes:
    """Encrypt `payload` to the publishing key, then once more to each tip's case key."""
    data = vault.encrypt(payload, [publishing_recipient()])
    for tip in _ordered(tips):
        data = vault.encrypt(data, [AgeRecipientStr(tip.case_public_key)])
    return data


def unseal(sealed: bytes | memoryview, *, keys: EditorKeys, tips: Iterable[Tip] = ()) -> bytes:
    """Open what `seal` made; raise Locked when a tip layer is not this editor's to open."""
    layers = _ordered(tips)
    missing = [tip for tip in layers if keys.case_identity(tip) is None]
    if missing:
        raise Locked(missing)
    data = bytes(sealed)
    for tip in reversed(layers):
        data = vault.decrypt(data, [keys.case_identity(tip) or vault.AgeIdentityStr("")])
    return vault.decrypt(data, [keys.publishing.identity])


def key_digest(keys: EditorKeys, text: str) -> str:
    """Return an HMAC of `text` under the publishing secret: a lookup key that reveals nothing."""
    return hmac.new(keys.publishing.identity.encode(), text.encode(), hashlib.sha256).hexdigest()
