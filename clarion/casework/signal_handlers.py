"""Casework's part in what intake announces (intake must not import casework: docs/design.md, layers)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from clarion.casework.actions import do_open_case_file
from clarion.intake.models import Tip
from clarion.intake.signals import tip_submitted


@receiver(tip_submitted, dispatch_uid="casework-open-case-file")
def open_case_file_for_new_tip(sender: type[Tip], tip: Tip, **kwargs: Any) -> None:
    """Open the new tip's case file in the transaction that commits the tip: no tip is missing from the inbox."""
    do_open_case_file(tip=tip)
