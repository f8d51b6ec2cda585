"""Drop cached public pages when something every page shows changes in the admin.

Posts themselves change only through `clarion/publishing/actions.py`, which drops the pages
itself; these are the settings and names around them (decoupled clean-up, hence signals).
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from clarion.accounts.models import Organisation
from clarion.publishing.caching import drop_public_pages
from clarion.publishing.models import Category, SiteSettings, Tag


@receiver([post_save, post_delete], sender=Organisation)
@receiver([post_save, post_delete], sender=Category)
@receiver([post_save, post_delete], sender=Tag)
@receiver([post_save], sender=SiteSettings)
def drop_pages_after_change(sender, **kwargs) -> None:  # noqa: ANN001, ANN003
    drop_public_pages()
