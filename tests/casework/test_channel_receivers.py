"""Taking a reviewer off a channel takes back what the channel gave them (M5, docs/design.md, property 7).

Driven through the channel's admin page as an admin would: the page says which tips each
receiver would lose, saving takes them back (never what was shared), and only reviewers who
hold a key can be chosen at all.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from clarion.accounts.roles import REVIEWER, grant_role
from clarion.audit.log import verify
from clarion.audit.models import AuditEntry
from clarion.casework.models import CaseFile
from clarion.intake.models import KeyWrap
from tests.support.people import browser_client, csrf, log_in, make_staff
from tests.support.tips import send_tip


class _FormReader(HTMLParser):
    """Collect what a browser would post from the page's main form, as it stands."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        name = a.get("name", "")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value", "on"))
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.data.setdefault(self._select, []).append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea][-1] += data.removeprefix("\n") if not self.data[self._textarea][-1] else data


def change_form(client: Client, url: str) -> dict[str, list[str]]:
    reader = _FormReader()
    reader.feed(client.get(url).content.decode())
    reader.data.pop("_save", None)
    reader.data.pop("_continue", None)
    reader.data.pop("_addanother", None)
    return reader.data


@pytest.fixture
def ada(db):
    """An admin (not a reviewer), logged in through the real pages."""
    admin, device, _ = make_staff("ada", "admin")
    client = browser_client()
    assert log_in(client, admin, device).status_code == 302
    return admin, client


def set_receivers(client: Client, channel, users, follow: bool = False):  # noqa: ANN001, ANN201
    """Save the channel's admin page with exactly `users` as receivers, as an admin would."""
    url = f"/staff/admin/intake/channel/{channel.pk}/change/"
    data = change_form(client, url)
    data["receivers"] = [str(user.pk) for user in users]
    return client.post(url, {**data, **csrf(client)}, follow=follow)


def reference(sent) -> str:  # noqa: ANN001
    return CaseFile.objects.get(pk=sent.tip.pk).reference


def test_taking_a_reviewer_off_a_channel_in_the_admin_takes_back_the_tips_it_gave_them(
    ada, reviewer, reviewer_client, colleague, colleague_client, channel
):
    # Given a colleague an admin made a receiver of the channel, who reads a tip sent to it
    admin, client = ada
    assert set_receivers(client, channel, [reviewer, colleague]).status_code == 302
    sent = send_tip(channel)
    assert colleague_client.get(sent.url).status_code == 200

    # When the admin takes them off the channel
    response = set_receivers(client, channel, [reviewer], follow=True)

    # Then the page says which tips they lost
    page = response.content.decode()
    assert response.status_code == 200
    assert "otto" in page and reference(sent) in page
    # And they can no longer open the tip, nor see it in their inbox; the others still can
    assert colleague_client.get(sent.url).status_code == 404
    assert reference(sent) not in colleague_client.get("/staff/cases/").content.decode()
    assert not KeyWrap.objects.filter(tip=sent.tip, user=colleague).exists()
    assert reviewer_client.get(sent.url).status_code == 200
    # And the audit chain says who took whom off, and which tip they lost
    removed = AuditEntry.objects.get(action="channel.receiver_removed")
    assert removed.actor_id == admin.pk and f"user {colleague.pk}" in removed.detail
    revoked = AuditEntry.objects.about(sent.tip).get(action="access.revoked")
    assert revoked.actor_id == admin.pk and f"user {colleague.pk}" in revoked.detail
    assert AuditEntry.objects.filter(action="channel.receiver_added", detail__contains=f"user {colleague.pk}")
    assert verify().broken is None


def test_a_tip_shared_with_a_reviewer_stays_readable_after_they_leave_the_channel(
    ada, reviewer, reviewer_client, colleague, colleague_client, channel
):
    # Given a tip shared with the colleague before they joined the channel, and one they got through it
    _admin, client = ada
    shared = send_tip(channel)
    assert reviewer_client.post(f"{shared.url}share/", {"reviewer": colleague.pk}).status_code == 302
    set_receivers(client, channel, [reviewer, colleague])
    received = send_tip(channel, message="A second tip.")
    assert colleague_client.get(received.url).status_code == 200

    # When they are taken off the channel
    response = set_receivers(client, channel, [reviewer], follow=True)

    # Then the channel's tip is gone, the shared one stays (and the page says so)
    assert colleague_client.get(received.url).status_code == 404
    assert colleague_client.get(shared.url).status_code == 200
    page = response.content.decode()
    assert reference(received) in page and reference(shared) not in page


def test_the_channel_page_says_which_tips_each_receiver_would_lose_before_saving(
    ada, reviewer, colleague, colleague_client, channel
):
    _admin, client = ada
    set_receivers(client, channel, [reviewer, colleague])
    sent = send_tip(channel)

    page = client.get(f"/staff/admin/intake/channel/{channel.pk}/change/").content.decode()

    assert "Taking someone off this channel" in page
    assert reference(sent) in page


def test_only_reviewers_who_hold_a_key_can_receive_a_channel(ada, reviewer, channel):
    # Given an editor who is not a reviewer, and a reviewer who has not finished enrolment
    _admin, client = ada
    editor, _device, _ = make_staff("sam", "editor")
    keyless = get_user_model().objects.create_user("kim", password="correct horse battery staple")
    grant_role(keyless, REVIEWER)
    url = f"/staff/admin/intake/channel/{channel.pk}/change/"
    assert "sam" not in client.get(url).content.decode()  # not even offered

    for person, why in [(editor, "not a reviewer"), (keyless, "no key")]:
        # When an admin chooses them anyway (a crafted form, or a role since taken away)
        response = set_receivers(client, channel, [reviewer, person])

        # Then nothing is saved, and the page says whom it refused and why
        assert response.status_code == 200
        page = response.content.decode()
        assert person.username in page and why in page
        assert list(channel.receivers.all()) == [reviewer]


def test_new_tips_are_wrapped_through_the_channel_and_shares_are_recorded_as_shares(
    reviewer, reviewer_client, colleague, channel
):
    sent = send_tip(channel)
    reviewer_client.post(f"{sent.url}share/", {"reviewer": colleague.pk})

    assert KeyWrap.objects.get(tip=sent.tip, user=reviewer).via == KeyWrap.Via.CHANNEL
    assert KeyWrap.objects.get(tip=sent.tip, user=colleague).via == KeyWrap.Via.SHARE
    assert KeyWrap.objects.get(tip=sent.tip, holder=KeyWrap.Holder.SOURCE).via == ""
