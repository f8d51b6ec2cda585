"""Drafts sealed at rest (schema, part 1 of 3): the publishing key, sealed columns, quotes, published media.

0004 seals what exists; 0005 drops the readable columns it replaced.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0005_keywrap_reader_index"),
        ("publishing", "0002_search_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PublishedMedia",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=200)),
                ("alt_text", models.CharField(blank=True, max_length=300)),
                ("position", models.PositiveIntegerField(default=0)),
            ],
            options={
                "ordering": ["position", "pk"],
            },
        ),
        migrations.CreateModel(
            name="PublishingKey",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("public_key", models.CharField(max_length=100)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "verbose_name": "publishing key",
            },
        ),
        migrations.CreateModel(
            name="PublishingKeyWrap",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("recipient", models.CharField(max_length=100)),
                ("wrapped", models.BinaryField()),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
        migrations.CreateModel(
            name="RevisionQuote",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sealed_under", models.BooleanField(default=False)),
            ],
        ),
        migrations.AlterModelOptions(
            name="category",
            options={"ordering": ["name"], "verbose_name": "category", "verbose_name_plural": "categories"},
        ),
        migrations.AlterModelOptions(
            name="media",
            options={"ordering": ["uploaded_at", "pk"], "verbose_name_plural": "media"},
        ),
        migrations.AlterModelOptions(
            name="tag",
            options={"ordering": ["name"], "verbose_name": "tag"},
        ),
        migrations.RemoveConstraint(
            model_name="redactiondecision",
            name="one_decision_per_flag",
        ),
        migrations.AddField(
            model_name="editorialcomment",
            name="sealed",
            field=models.BinaryField(default=b"", help_text="age ciphertext to the publishing key"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="media",
            name="key_wrap",
            field=models.BinaryField(default=b"", help_text="the file's age key, sealed to the publishing key"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="media",
            name="sealed_report",
            field=models.BinaryField(default=b""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="redactioncheck",
            name="sealed_flags",
            field=models.BinaryField(default=b"", help_text="age ciphertext of the flags, sealed as the revision"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="redactiondecision",
            name="key_digest",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="redactiondecision",
            name="sealed",
            field=models.BinaryField(default=b"", help_text="age ciphertext of the flag's key and the reason"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="redactiondecision",
            name="source_words",
            field=models.BooleanField(default=False, help_text="Keeps words of a linked tip."),
        ),
        migrations.AddField(
            model_name="revision",
            name="approved_under_rule",
            field=models.BooleanField(default=True),
        ),
        migrations.AddField(
            model_name="revision",
            name="embargoed",
            field=models.BinaryField(blank=True, help_text="age ciphertext to the embargo key", null=True),
        ),
        migrations.AddField(
            model_name="revision",
            name="purge_reason",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AddField(
            model_name="revision",
            name="purged_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="revision",
            name="purged_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="revision",
            name="sealed",
            field=models.BinaryField(blank=True, help_text="age ciphertext of the revision's content", null=True),
        ),
        migrations.AddField(
            model_name="sitesettings",
            name="rule_off_proposed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="sitesettings",
            name="rule_off_proposed_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="category",
            name="name",
            field=models.CharField(max_length=80, unique=True, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="category",
            name="slug",
            field=models.SlugField(max_length=80, unique=True, verbose_name="slug"),
        ),
        migrations.AlterField(
            model_name="post",
            name="byline_editor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="post",
            name="byline_name",
            field=models.CharField(blank=True, max_length=120),
        ),
        migrations.AlterField(
            model_name="post",
            name="pinned",
            field=models.BooleanField(default=False),
        ),
        migrations.AlterField(
            model_name="post",
            name="show_corroboration",
            field=models.BooleanField(default=False),
        ),
        migrations.AlterField(
            model_name="revision",
            name="addressed_to",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AlterField(
            model_name="revision",
            name="body",
            field=models.TextField(blank=True),
        ),
        migrations.AlterField(
            model_name="revision",
            name="correction",
            field=models.TextField(blank=True),
        ),
        migrations.AlterField(
            model_name="revision",
            name="signatories",
            field=models.TextField(blank=True),
        ),
        migrations.AlterField(
            model_name="revision",
            name="title",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AlterField(
            model_name="sitesettings",
            name="corrections_policy",
            field=models.ForeignKey(
                blank=True,
                help_text="A page.",
                limit_choices_to={"kind": "page"},
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="publishing.post",
            ),
        ),
        migrations.AlterField(
            model_name="sitesettings",
            name="deny_list",
            field=models.TextField(
                blank=True,
                help_text="Names and places the redaction check flags in drafts (staff rosters, sites, units), one per line. Lines starting with # are comments. Staff-only, never published.",
                verbose_name="deny-list",
            ),
        ),
        migrations.AlterField(
            model_name="sitesettings",
            name="require_second_editor",
            field=models.BooleanField(
                default=True,
                help_text="Two-person rule: the editor who wrote a post's last revision cannot approve it; a second editor must. Unticking it only proposes turning it off: a second admin confirms (here, or at /staff/publishing/rule/).",
                verbose_name="require a second editor",
            ),
        ),
        migrations.AlterField(
            model_name="sitesettings",
            name="sourcing_policy",
            field=models.ForeignKey(
                blank=True,
                help_text="A page.",
                limit_choices_to={"kind": "page"},
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="publishing.post",
            ),
        ),
        migrations.AlterField(
            model_name="tag",
            name="name",
            field=models.CharField(max_length=80, unique=True, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="tag",
            name="slug",
            field=models.SlugField(max_length=80, unique=True, verbose_name="slug"),
        ),
        migrations.AddField(
            model_name="publishedmedia",
            name="media",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="publishing.media"
            ),
        ),
        migrations.AddField(
            model_name="publishedmedia",
            name="revision",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="published_media", to="publishing.revision"
            ),
        ),
        migrations.AddField(
            model_name="publishingkeywrap",
            name="key",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="wraps", to="publishing.publishingkey"
            ),
        ),
        migrations.AddField(
            model_name="publishingkeywrap",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.AddField(
            model_name="revisionquote",
            name="revision",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="quotes", to="publishing.revision"
            ),
        ),
        migrations.AddField(
            model_name="revisionquote",
            name="tip",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="intake.tip"),
        ),
        migrations.AddConstraint(
            model_name="publishedmedia",
            constraint=models.UniqueConstraint(fields=("revision", "media"), name="one_use_per_published_revision"),
        ),
        migrations.AddConstraint(
            model_name="publishingkeywrap",
            constraint=models.UniqueConstraint(fields=("key", "recipient"), name="one_publishing_wrap_per_recipient"),
        ),
        migrations.AddConstraint(
            model_name="revisionquote",
            constraint=models.UniqueConstraint(fields=("revision", "tip"), name="one_quote_row_per_tip"),
        ),
    ]
