"""Decoupled clean-up after changes made elsewhere (hence signals, not actions).

- Drop cached public pages when something every page shows changes in the admin. Posts
  themselves change only through `clarion/publishing/actions/`, which drops the pages itself.
- Destroying a tip (retention, in casework) destroys the unpublished revisions quoting it and
  the kept passages of its words: casework cannot import publishing, so it is told here.
- Someone who stops being an editor, or is disabled, loses their wrap of the publishing key.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from clarion.accounts.models import Organisation
from clarion.accounts.roles import EDITOR
from clarion.intake.models import Tip
from clarion.publishing.caching import drop_public_pages
from clarion.publishing.models import Category, SiteSettings, Tag


@receiver([post_save, post_delete], sender=Organisation)
@receiver([post_save, post_delete], sender=Category)
@receiver([post_save, post_delete], sender=Tag)
@receiver([post_save], sender=SiteSettings)
def drop_pages_after_change(sender: type[Model], **kwargs: Any) -> None:
    drop_public_pages()


@receiver(pre_delete, sender=Tip)
def purge_quotes_of_destroyed_tip(sender: type[Tip], instance: Tip, **kwargs: Any) -> None:
    from clarion.publishing.actions import purge_quotes_of

    purge_quotes_of(instance)


def _revoke_unless_editor(user: User) -> None:
    from clarion.publishing.sealing import revoke_publishing_key

    if not user.is_active or not user.groups.filter(name=EDITOR).exists():
        revoke_publishing_key(user)


@receiver(m2m_changed, sender=get_user_model().groups.through)
def revoke_publishing_key_of_former_editors(
    sender: type[Model], instance: User | Group, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    if action not in ("post_remove", "post_clear"):
        return
    if reverse:  # a group lost members: `pk_set` are the users (None when it was cleared)
        from clarion.publishing.models import PublishingKeyWrap

        holders = PublishingKeyWrap.objects.values("user") if pk_set is None else pk_set
        for user in get_user_model().objects.filter(pk__in=holders):  # type: ignore[misc]  # ids either way
            _revoke_unless_editor(user)
    else:
        _revoke_unless_editor(instance)  # type: ignore[arg-type]  # not reverse: a user lost groups


@receiver(post_save, sender=get_user_model())
def revoke_publishing_key_of_disabled(sender: type[User], instance: User, **kwargs: Any) -> None:
    if not instance.is_active:
        _revoke_unless_editor(instance)
