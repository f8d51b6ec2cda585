"""The throttle's counters: one row per limit and scope, shared by every worker and process."""

from __future__ import annotations

from django.db import models


class ThrottleBucket(models.Model):
    """What one limit has counted for one scope (an address, an account, the site, a channel).

    `key` names the limit and the scope; a person's address or user name appears in it only as
    an HMAC under a key that lives in memory alone (clarion.web.memory_key). Times are seconds
    since 1970 (from django.utils.timezone.now). A row past `expires_at` counts as empty and is deleted
    by the periodic job (clarion.web.tasks).
    """

    key = models.CharField(max_length=150, primary_key=True)
    attempts = models.PositiveBigIntegerField(default=0)
    started_at = models.FloatField()
    last_at = models.FloatField()
    expires_at = models.FloatField(db_index=True)

    def __str__(self) -> str:
        return self.key
