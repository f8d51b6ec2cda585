"""The publishing key: held only by editors, wrapped to each; sealing and the embargo of scheduled posts.

Threats: a copy of the database opens no draft (the key exists only wrapped to editors'
identities); someone who stops being an editor loses it; a revision quoting a tip opens only
with that tip's key too; a scheduled post's copy for the worker dies with the server's memory.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clarion import vault
from clarion.accounts.roles import EDITOR
from clarion.audit.models import AuditEntry
from clarion.intake.models import Tip
from clarion.publishing import actions, embargo
from clarion.publishing.models import Post, PublishingKeyWrap
from clarion.publishing.sealing import EditorKeys, Locked, seal, unseal
from tests.support.people import logged_in_client
from tests.support.publishing import approve, create_post, keys_for, make_editor, page_of, submit_for_review


def test_a_new_editor_gets_the_key_when_an_editor_who_holds_it_opens_the_posts(editor_client, db):
    # Given the key, held by the first editor, and an editor who joins later
    create_post(editor_client)
    newcomer = make_editor("newcomer")
    newcomer_client = logged_in_client(newcomer)

    # Then the newcomer is told why they cannot open drafts yet
    refused = newcomer_client.get("/staff/posts/")
    assert refused.status_code == 403 and "You do not hold the publishing key yet" in refused.content.decode()

    # When an editor who holds it opens the posts page, the newcomer gets it, and it is audited
    editor_client.get("/staff/posts/")
    assert newcomer_client.get("/staff/posts/").status_code == 200
    assert AuditEntry.objects.filter(action="publishing.key_granted", detail="newcomer").exists()


def test_someone_who_stops_being_an_editor_loses_the_key(editor, editor_client):
    create_post(editor_client)
    assert PublishingKeyWrap.objects.filter(user=editor).exists()

    # When the editor role is taken away (as the admin's group page or user page does)
    editor.groups.remove(Group.objects.get(name=EDITOR))

    # Then their wrap is gone: the database keeps nothing that opens drafts for them
    assert not PublishingKeyWrap.objects.filter(user=editor).exists()
    assert AuditEntry.objects.filter(action="publishing.key_revoked", detail=editor.get_username()).exists()


def test_a_disabled_editor_loses_the_key(editor, editor_client):
    create_post(editor_client)

    editor.is_active = False
    editor.save()

    assert not PublishingKeyWrap.objects.filter(user=editor).exists()


@pytest.fixture
def three_tips(db, channel) -> list[Tip]:
    return [
        Tip.objects.create(
            channel=channel,
            received_at=timezone.now(),
            last_activity_at=timezone.now(),
            lookup_id=f"lookup-{number}",
            conversation_public_key=vault.generate_keypair().recipient,
            case_public_key=case.recipient,
            source_public_key=vault.generate_keypair().recipient,
            answers=b"",
        )
        for number, case in enumerate(CASE_KEYS)
    ]


CASE_KEYS = [vault.generate_keypair() for _ in range(3)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.binary(max_size=2000), layers=st.sets(st.integers(0, 2)), held=st.sets(st.integers(0, 2)))
def test_sealed_under_tips_opens_only_with_every_tips_key(three_tips, editor, payload, layers, held):
    # Property: sealed under a set of tips, a draft opens exactly when the editor holds the case key of each.
    keys = keys_for(editor)
    sealed = seal(payload, tips=[three_tips[i] for i in layers])
    opener = EditorKeys(user=editor, publishing=keys.publishing, personal=None)
    opener._case_identities.update(
        {tip.pk: (CASE_KEYS[i].identity if i in held else None) for i, tip in enumerate(three_tips)}
    )

    if layers <= held:
        assert unseal(sealed, keys=opener, tips=[three_tips[i] for i in layers]) == payload
    else:
        with pytest.raises(Locked):
            unseal(sealed, keys=opener, tips=[three_tips[i] for i in layers])
    assert len(payload) < 8 or payload not in sealed  # short strings occur in any ciphertext by chance


def test_a_scheduled_post_waits_for_an_editor_after_a_restart_and_is_published_once_confirmed(
    editor, editor_client, second_editor_client, monkeypatch
):
    # Given a post approved for tomorrow
    post = create_post(editor_client, title="Scheduled for tomorrow")
    submit_for_review(editor_client, post)
    tomorrow = (timezone.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert approve(second_editor_client, post, publish_at=tomorrow).status_code == 302
    post.refresh_from_db()
    assert post.state == Post.State.SCHEDULED and post.scheduled_revision.embargoed
    assert actions.can_publish_on_time(post.scheduled_revision)

    # When the server restarts (a new secret in its processes' memory)
    monkeypatch.setenv(embargo.SERVER_SECRET_VARIABLE, "ab" * 32)
    later = timezone.now() + dt.timedelta(days=2)

    # Then its time comes and nothing is published; the page asks an editor to confirm
    assert actions.do_publish_due_posts(now=later) == 0
    assert "Confirm the schedule" in page_of(editor_client, post)

    # When an editor confirms, it is published at its time, the approved revision unchanged
    assert editor_client.post(f"/staff/posts/{post.pk}/rearm/").status_code == 302
    assert actions.do_publish_due_posts(now=later) == 1
    post.refresh_from_db()
    assert post.is_public and post.published_revision.title == "Scheduled for tomorrow"
    assert post.published_revision.approved_by.get_username() == "sam"
    assert AuditEntry.objects.filter(action="post.rearm_schedule", actor_id=editor.pk).exists()
