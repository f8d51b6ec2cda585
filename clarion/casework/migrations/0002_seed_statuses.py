"""Seed the editable status list, and open a case file for every tip that predates casework."""

import secrets

from django.db import migrations

STATUSES = [
    ("New", "new", "new"),
    ("Acknowledged", "acknowledged", "open"),
    ("In review", "in-review", "open"),
    ("Corroborated", "corroborated", "open"),
    ("Closed", "closed", "closed"),
]
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def seed(apps, schema_editor):
    Status = apps.get_model("casework", "Status")
    CaseFile = apps.get_model("casework", "CaseFile")
    Tip = apps.get_model("intake", "Tip")
    for position, (name, slug, kind) in enumerate(STATUSES):
        Status.objects.get_or_create(slug=slug, defaults={"name": name, "kind": kind, "position": position * 10})
    new = Status.objects.get(slug="new")
    taken = set(CaseFile.objects.values_list("reference", flat=True))
    for tip in Tip.objects.filter(case__isnull=True).iterator():
        while True:
            reference = "T-" + "".join(secrets.choice(ALPHABET) for _ in range(5))
            if reference not in taken:
                taken.add(reference)
                break
        CaseFile.objects.create(
            tip=tip, reference=reference, status=new, received_at=tip.received_at, updated_at=tip.received_at
        )


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0001_initial"),
        ("intake", "0001_initial"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
