"""Security events name the event and a keyed user tag, never an address or a plain user name (L8)."""

from __future__ import annotations

import logging
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clarion.web import memory_key, security_events
from tests.support.people import csrf, logged_in_client, make_staff


def security_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "clarion.security"]


@given(st.text(min_size=1, max_size=150))
def test_a_user_tag_holds_no_part_of_the_name_and_ignores_case(username):
    tag = security_events.user_tag(username)

    assert len(tag) == 16 and set(tag) <= set("0123456789abcdef")
    assert tag == security_events.user_tag(username.casefold())
    # Upper case folds back to the same name, except for the few letters where it does not
    # (Turkish dotless ı becomes I, then i): those are different names.
    if username.upper().casefold() == username.casefold():
        assert tag == security_events.user_tag(username.upper())


def test_a_user_tag_cannot_be_linked_to_the_name_after_the_key_moves_on(time_machine):
    time_machine.move_to(time.time(), tick=False)
    before = security_events.user_tag("rita")
    time_machine.shift(memory_key.ROTATE_SECONDS)

    assert security_events.user_tag("rita") != before


def test_details_that_are_not_our_own_words_are_not_written(caplog):
    with caplog.at_level(logging.INFO, logger="clarion.security"):
        security_events.record("test.event", view="casework:tip", note="203.0.113.9 says <hello>")

    assert security_lines(caplog) == ["event=test.event view=casework:tip note=?"]


@pytest.mark.django_db
def test_a_wrong_current_password_when_changing_it_is_recorded(caplog):
    user, _, _ = make_staff("rita", "reviewer")
    client = logged_in_client(user)
    fields = {"current_password": "not the current one", "new_password": "x" * 20, "new_password_again": "x" * 20}

    with caplog.at_level(logging.INFO, logger="clarion.security"):
        response = client.post("/staff/account/password/", {**fields, **csrf(client)})

    assert response.status_code == 400
    assert security_lines(caplog) == [f"event=password_change.failed user={security_events.user_tag('rita')}"]


@pytest.mark.django_db
def test_a_staff_member_refused_a_page_is_recorded_with_the_view_not_the_path(caplog):
    editor, _, _ = make_staff("eddie", "editor")
    client = logged_in_client(editor)

    with caplog.at_level(logging.INFO, logger="clarion.security"):
        response = client.get("/staff/cases/")

    assert response.status_code == 404
    assert security_lines(caplog) == [
        f"event=access.refused user={security_events.user_tag('eddie')} view=casework:inbox"
    ]
