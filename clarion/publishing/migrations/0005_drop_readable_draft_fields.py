"""Drafts sealed at rest (part 3 of 3): drop the readable columns that 0004 sealed."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("publishing", "0004_seal_existing_drafts")]

    operations = [
        migrations.RemoveField(
            model_name="editorialcomment",
            name="text",
        ),
        migrations.RemoveField(
            model_name="media",
            name="alt_text",
        ),
        migrations.RemoveField(
            model_name="media",
            name="removed",
        ),
        migrations.RemoveField(
            model_name="media",
            name="title",
        ),
        migrations.RemoveField(
            model_name="redactioncheck",
            name="flags",
        ),
        migrations.RemoveField(
            model_name="redactiondecision",
            name="key",
        ),
        migrations.RemoveField(
            model_name="redactiondecision",
            name="reason",
        ),
        migrations.AddConstraint(
            model_name="redactiondecision",
            constraint=models.UniqueConstraint(fields=("post", "key_digest"), name="one_decision_per_flag"),
        ),
    ]
