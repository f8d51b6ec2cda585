"""Behind deploy/nginx, per-address limits count each client, by the address the proxy passes on.

Every request then reaches gunicorn from the loopback: without X-Real-IP all sources would share
one count and ten tips would close the tip line to everyone for ten minutes. The header is read
only with CLARION_BEHIND_PROXY and only from a loopback peer: a client reaching gunicorn
directly cannot pick a fresh address with each request to escape its limit.
"""

from __future__ import annotations

from tests.support.people import browser_client
from tests.support.tips import answers_for, submit


def submit_via(peer: str, channel, real_ip: str | None, text: str = "A tip"):  # noqa: ANN001, ANN201
    client = browser_client()
    client.defaults["REMOTE_ADDR"] = peer
    if real_ip is not None:
        client.defaults["HTTP_X_REAL_IP"] = real_ip
    return submit(client, channel, answers_for(channel, **{"What happened?": text}))


def test_behind_the_proxy_each_client_has_its_own_count(channel, settings):
    settings.CLARION_BEHIND_PROXY = True
    settings.CLARION_SOURCE_POSTS_PER_ADDRESS = 1

    assert submit_via("127.0.0.1", channel, "203.0.113.5").status_code == 200
    assert submit_via("127.0.0.1", channel, "198.51.100.9").status_code == 200
    assert submit_via("127.0.0.1", channel, "203.0.113.5", "Typed while over").status_code == 429


def test_a_client_reaching_gunicorn_directly_cannot_escape_its_limit_with_the_header(channel, settings):
    settings.CLARION_SOURCE_POSTS_PER_ADDRESS = 1

    # Without the setting (an onion service pointed straight at gunicorn: every peer is loopback)
    assert submit_via("127.0.0.1", channel, "203.0.113.5").status_code == 200
    assert submit_via("127.0.0.1", channel, "198.51.100.9").status_code == 429


def test_with_the_setting_only_a_loopback_peer_is_believed(channel, settings):
    settings.CLARION_BEHIND_PROXY = True
    settings.CLARION_SOURCE_POSTS_PER_ADDRESS = 1

    assert submit_via("192.0.2.77", channel, "203.0.113.5").status_code == 200
    assert submit_via("192.0.2.77", channel, "198.51.100.9").status_code == 429
