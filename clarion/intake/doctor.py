"""`python -m clarion doctor`'s check of intake: the disk holds a day of the open channels' file budgets."""

from __future__ import annotations

import shutil

from django.conf import settings
from django.db.models import Sum
from django.utils.translation import gettext as _

from clarion.intake.models import Channel
from clarion.web.doctor import Finding, failure, ok, warning

GIB = 1024**3


def checks() -> list[Finding]:
    """Return whether the data folder's disk has room for one day of files at every open channel's limit.

    A flood of files (M4) may fill the channels' daily budgets; a full disk then refuses every
    source's tip, text included.
    """
    daily = Channel.objects.open().aggregate(total=Sum("daily_byte_budget"))["total"] or 0
    free = shutil.disk_usage(settings.DATA_DIR).free
    numbers = {"free": free / GIB, "daily": daily / GIB}
    fix = _("Free or add disk space under the data folder, or lower the channels' daily byte budgets (/staff/admin/).")
    if free < daily:
        return [
            failure(
                "disk",
                _("%(free).1f GiB free, less than one day of the open channels' file budgets (%(daily).1f GiB).")
                % numbers,
                fix,
            )
        ]
    if free < 7 * daily:
        return [
            warning(
                "disk",
                _("%(free).1f GiB free: under a week of the open channels' file budgets (%(daily).1f GiB a day).")
                % numbers,
                fix,
            )
        ]
    return [ok("disk", _("%(free).1f GiB free; the open channels accept %(daily).1f GiB a day.") % numbers)]
