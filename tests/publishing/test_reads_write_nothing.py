"""Opening a staff page changes nothing but read records (a read marker, an audit entry of the read).

The rule guards against pages that write on GET (a case file opened by the tip page, a
redaction check re-run by the post page): every table is compared before and after a round
of every staff page for a tip and for a post in review, as each of its readers sees them.
"""

from __future__ import annotations

import hashlib

import pytest
from django.apps import apps
from django.test import Client

from clarion.intake.models import TipFile
from clarion.publishing.models import Post
from tests.support.publishing import flags_of, page_of, submit_for_review
from tests.support.tips import send_tip

# What a read records: who opened a tip, who downloaded which file.
READ_ACTIONS = {"tip.read", "file.download"}


def snapshot() -> dict[str, tuple[int, str]]:
    """Return every table's row count and a digest of its rows, leaving out the records of reads."""
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        name = model._meta.model_name
        if name in ("readmarker", "session"):  # reads themselves; Django's session rows
            continue
        rows = model._default_manager.order_by("pk")
        if name == "auditentry":
            rows = rows.exclude(action__in=READ_ACTIONS)
        values = [repr(row) for row in rows.values_list()]
        tables[model._meta.db_table] = (len(values), hashlib.sha256("\n".join(values).encode()).hexdigest())
    return tables


def staff_pages(sent, post) -> list[str]:  # noqa: ANN001
    tip_file = TipFile.objects.filter(tip=sent.tip).first()
    revision = post.latest_revision.number
    return [
        "/staff/cases/",
        "/staff/cases/?unread=on&sort=deadline",
        sent.url,
        f"{sent.url}files/{tip_file.pk}/",
        f"/staff/posts/from-tip/{sent.tip.pk}/",
        "/staff/posts/",
        f"/staff/posts/{post.pk}/",
        f"/staff/posts/{post.pk}/edit/",
        f"/staff/posts/{post.pk}/revisions/{revision}/",
    ]


@pytest.mark.django_db
def test_opening_every_staff_page_of_a_tip_and_a_post_in_review_writes_no_row(
    channel, reviewer_editor, reviewer_editor_client: Client, second_editor_client: Client, reviewer_client: Client
):
    # Given a tip with a file, and a post quoting it, its flags kept, sent for review
    sent = send_tip(channel, message="The brake line on forklift seven was cut during the night shift.")
    data = {"kind": "report", "slug": "brake-lines", "title": "Brake lines cut at the depot", "passages": ["0", "1"]}
    assert reviewer_editor_client.post(f"/staff/posts/from-tip/{sent.tip.pk}/", data).status_code == 302
    post = Post.objects.get(slug="brake-lines")
    flags = flags_of(post.latest_revision)
    assert flags  # the post quotes the source: its page shows flags and decisions
    for flag in flags:
        keep = {"key": flag["key"], "reason": "Paraphrased before publication."}
        reviewer_editor_client.post(f"/staff/posts/{post.pk}/flags/keep/", keep)
    submit_for_review(reviewer_editor_client, post)
    page_of(second_editor_client, post)  # every editor holds the publishing key from here on
    before = snapshot()

    # When each of its readers opens every staff page of the tip and the post
    for client in (reviewer_editor_client, second_editor_client, reviewer_client):
        for url in staff_pages(sent, post):
            response = client.get(url)
            # The reviewer-editor reads everything; the others are refused part of it, by role
            expected = {200} if client is reviewer_editor_client else {200, 403, 404}
            assert response.status_code in expected, (url, response.status_code)

    # Then no row changed in any table, but the records of these reads
    after = snapshot()
    assert {table for table in before if before[table] != after.get(table)} == set()
    assert set(after) == set(before)
