"""Record how each reviewer's key wrap came about: through the tip's channel, or a share.

Every reviewer wrap made so far is marked as given by the channel: that is how most were made
(at submission), and intake cannot tell a share apart. casework's migration
0005_keywrap_via_shares then marks as shares the wraps its audit log shows were shared.
"""

from django.db import migrations, models


def mark_reviewer_wraps_as_channel(apps, schema_editor):
    KeyWrap = apps.get_model("intake", "KeyWrap")
    KeyWrap.objects.filter(holder="reviewer").update(via="channel")


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0005_keywrap_reader_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="keywrap",
            name="via",
            field=models.CharField(
                blank=True,
                choices=[("channel", "A receiver of the tip's channel"), ("share", "Shared by a reader")],
                help_text="Reviewers' wraps only.",
                max_length=10,
            ),
        ),
        # Backwards, the column goes away with what it held: nothing to undo first.
        migrations.RunPython(mark_reviewer_wraps_as_channel, migrations.RunPython.noop),
    ]
