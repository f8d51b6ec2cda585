"""Open a case file for every tip that has none.

A case file used to be opened lazily too, when a reviewer first opened a tip that predated
casework; now it is opened only with the tip (`tip_submitted`), so pages that show a tip only
read it. Backwards this changes nothing: the case files stay, as the lazy path left them.
"""

from django.db import IntegrityError, migrations, transaction

from clarion.casework.deadlines import DeadlinePolicy, next_deadline
from clarion.casework.models import new_reference


def open_missing_case_files(apps, schema_editor):
    Tip = apps.get_model("intake", "Tip")
    CaseFile = apps.get_model("casework", "CaseFile")
    Status = apps.get_model("casework", "Status")
    tips = Tip.objects.exclude(pk__in=CaseFile.objects.values("pk")).select_related("channel")
    if not tips.exists():
        return
    status = Status.objects.filter(kind="new").order_by("position", "pk").first()
    if status is None:
        status, _ = Status.objects.get_or_create(slug="new", defaults={"name": "New", "kind": "new"})
    for tip in tips.iterator():
        policy = DeadlinePolicy(
            acknowledge_within_days=tip.channel.acknowledge_within_days,
            feedback_within_months=tip.channel.feedback_within_months,
        )
        deadline = next_deadline(
            received_at=tip.received_at,
            acknowledged_at=None,
            feedback_given_at=None,
            now=tip.received_at,
            policy=policy,
        )
        for attempt in range(24):  # as do_open_case_file: grow the reference if four characters run short
            try:
                with transaction.atomic():
                    CaseFile.objects.create(
                        tip=tip,
                        reference=new_reference(4 + attempt // 8),
                        status=status,
                        received_at=tip.received_at,
                        updated_at=tip.received_at,
                        due_step=deadline.step.value if deadline else "",
                        due_at=deadline.due if deadline else None,
                    )
                break
            except IntegrityError:
                continue


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0006_closure_two_readers"),
        ("intake", "0008_channel_daily_byte_budget"),
    ]

    operations = [migrations.RunPython(open_missing_case_files, migrations.RunPython.noop)]
