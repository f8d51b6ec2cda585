"""Open a case file for every new tip, in the transaction that commits the tip.

A receiver rather than a call from intake: intake must not import casework (the layers
of docs/design.md), and a tip without a case file would be missing from the inbox.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from clarion.intake.models import Tip


@receiver(post_save, sender=Tip, dispatch_uid="casework-open-case-file")
def open_case_file_for_new_tip(
    sender: type[Tip], instance: Tip, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if created and not raw:
        from clarion.casework.actions import do_open_case_file

        do_open_case_file(tip=instance)
