"""A closure becomes a proposal by one reader that a second reader approves (M8).

The self-asserted "approved by" of closures recorded so far is kept as it was typed, with its
approval dated when the closure was recorded. Backwards, proposals never approved (waiting or
withdrawn) are deleted: before this migration a closure record meant a closed tip.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def date_earlier_approvals(apps, schema_editor):
    Closure = apps.get_model("casework", "Closure")
    Closure.objects.filter(approved_at__isnull=True).update(approved_at=models.F("proposed_at"))


def drop_unapproved_proposals(apps, schema_editor):
    Closure = apps.get_model("casework", "Closure")
    Closure.objects.filter(approved_at__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0005_keywrap_via_shares"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(model_name="closure", old_name="recorded_by", new_name="proposed_by"),
        migrations.RenameField(model_name="closure", old_name="recorded_at", new_name="proposed_at"),
        migrations.AlterModelOptions(name="closure", options={"ordering": ["proposed_at", "pk"]}),
        migrations.AddField(
            model_name="closure",
            name="approved_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="closure",
            name="status",
            field=models.ForeignKey(
                blank=True,
                help_text="The closed status to enter.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="casework.status",
            ),
        ),
        migrations.AddField(
            model_name="closure",
            name="withdrawn_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="closure",
            name="withdrawn_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(date_earlier_approvals, drop_unapproved_proposals),
        migrations.AddConstraint(
            model_name="closure",
            constraint=models.UniqueConstraint(
                condition=models.Q(("approved_at__isnull", True), ("withdrawn_at__isnull", True)),
                fields=("case",),
                name="one_pending_closure_per_case",
            ),
        ),
    ]
