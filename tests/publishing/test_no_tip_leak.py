"""No tip text, tip id or case reference reaches any public response, even for a linked post."""

from __future__ import annotations

import pytest
from django.test import Client

from clarion.casework.models import CaseFile
from clarion.publishing import actions
from tests.support.tips import send_tip

pytestmark = pytest.mark.django_db

CANARY = "CANARY-7f3a-quartermaster-ledger"


def test_a_post_linked_to_tips_shows_no_tip_content_anywhere_public(channel, reviewer_editor, make_published_post):
    sent = send_tip(channel, message=f"The {CANARY} was falsified.")
    post = make_published_post(slug="ledger", title="The ledger was falsified", body="We checked.", publish=False)
    actions.do_link_tip(actor=reviewer_editor, post=post, tip=sent.tip)
    post = make_published_post(existing=post)
    reference = CaseFile.objects.get(tip=sent.tip).reference
    reader = Client()

    urls = [
        "/",
        "/posts/ledger/",
        "/reports/",
        "/archive/",
        "/feed/rss/",
        "/feed/atom/",
        "/sitemap.xml",
        "/search/?q=ledger",
    ]
    for url in urls:
        body = reader.get(url).content.decode()
        assert CANARY not in body, url
        assert str(sent.tip.pk) not in body and sent.tip.pk.hex not in body, url
        assert reference not in body, url
        assert "corroborated" not in body.lower(), url
    # A reader who searches for the tip's words finds nothing (their query is shown back to them).
    assert "Nothing published matches" in reader.get(f"/search/?q={CANARY}").content.decode()


def test_the_corroboration_count_is_public_only_when_the_editor_chose_it(
    channel, reviewer_editor, make_published_post, approve_revision
):
    sent = send_tip(channel)
    post = make_published_post(slug="ledger", title="The ledger", publish=False)
    actions.do_link_tip(actor=reviewer_editor, post=post, tip=sent.tip)
    post = make_published_post(existing=post)
    reader = Client()
    assert post.corroborating_tips == 1
    assert "Corroborated by" not in reader.get("/posts/ledger/").content.decode()

    approve_revision(post, show_corroboration=True)

    assert "Corroborated by 1 tip from insiders." in reader.get("/posts/ledger/").content.decode()
