"""Mark as shares the reviewer key wraps that the audit log shows were shared.

A wrap exists at most once per tip and key, a channel gives wraps only at submission, and a
share is refused to someone who already holds one: so a reviewer's wrap of a tip is a share
exactly when a `tip.shared` entry names them for that tip. A wrap made by the channel and
later revoked can come back only as a share, which the entry then also shows. One person may
hold two wraps of a tip after an admin reset (one to their old key, from the channel, and one
to their new key, shared): then only the wrap to the key they hold now is the share.
"""

import re

from django.db import migrations

SHARED_WITH = re.compile(r"with user (\d+)$")


def mark_shared_wraps(apps, schema_editor):
    AuditEntry = apps.get_model("casework", "AuditEntry")
    KeyWrap = apps.get_model("intake", "KeyWrap")
    KeyCustody = apps.get_model("accounts", "KeyCustody")
    for tip_id, detail in AuditEntry.objects.filter(action="tip.shared").values_list("tip_id", "detail").iterator():
        match = SHARED_WITH.search(detail)
        if not (tip_id and match):
            continue
        wraps = KeyWrap.objects.filter(tip_id=tip_id, user_id=int(match.group(1)), holder="reviewer")
        if wraps.count() > 1:
            wraps = wraps.filter(recipient__in=KeyCustody.objects.filter(user_id=match.group(1)).values("public_key"))
        wraps.update(via="share")


def mark_every_wrap_as_channel(apps, schema_editor):
    KeyWrap = apps.get_model("intake", "KeyWrap")
    KeyWrap.objects.filter(holder="reviewer").update(via="channel")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_offline_key"),
        ("casework", "0004_retention"),
        ("intake", "0006_keywrap_via"),
    ]

    operations = [
        migrations.RunPython(mark_shared_wraps, mark_every_wrap_as_channel),
    ]
