"""The real server in HTTPS mode behind nginx's scheme header: the Observatory and SecureDrop checks (issue 11, §2).

In-process tests (tests/publishing/test_observatory_score.py, tests/intake/test_securedrop_checks.py)
cover logged-in pages; this one asks gunicorn itself, started with `CLARION_HTTPS=true`, so the
headers it adds (Server, Date) and the way it reads `X-Forwarded-Proto` from 127.0.0.1 count too.
The TLS front end's own headers are checked by the test through nginx, with the same scorers.
"""

from __future__ import annotations

import http.client
import re

import pytest

from tests.support.live import LiveServer, running
from tests.support.observatory import CORS_ORIGIN, Response, scan
from tests.support.securedrop_scan import Page, failures

pytestmark = pytest.mark.live_server_process

HOST = "example.org"
SENT = {"Host": HOST, "X-Forwarded-Proto": "https", "User-Agent": "Mozilla/5.0 (Windows NT 10.0; rv:128.0)"}


def ask(server: LiveServer, method: str, path: str, **headers: str) -> tuple[int, dict[str, str], list[str], str]:
    """Return a response's status, headers (repeats joined as Node does), Set-Cookie values and body."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        conn.request(method, path, headers={**SENT, **headers})
        answer = conn.getresponse()
        body = answer.read().decode(errors="replace")
        joined: dict[str, str] = {}
        for name, value in answer.getheaders():
            if name.lower() != "set-cookie":
                joined[name] = f"{joined[name]}, {value}" if name in joined else value
        return answer.status, joined, answer.headers.get_all("Set-Cookie") or [], body
    finally:
        conn.close()


@pytest.fixture(scope="module")
def https_server(tmp_path_factory):
    env = {"CLARION_HTTPS": "true", "CLARION_ALLOWED_HOSTS": f"{HOST},127.0.0.1"}
    with running(LiveServer(tmp_path_factory.mktemp("https"), env=env)) as server:
        yield server


def test_every_public_and_source_page_type_scores_at_least_130_from_the_real_server(https_server):
    _, _, _, home = ask(https_server, "GET", "/")
    post = re.search(r'href="(/posts/[\w-]+/)"', home)
    assert post, "the demo home page links no post"
    paths = ["/", post.group(1), "/reports/", "/feed/atom/", "/tip/", "/tip/send/safety/", "/tip/login/"]
    paths += ["/staff/login/", "/no-such-page/"]

    problems = []
    for path in paths:
        status, headers, cookies, body = ask(https_server, "GET", path)
        _, preflight, _, _ = ask(
            https_server, "OPTIONS", path, Origin=CORS_ORIGIN, **{"Access-Control-Request-Method": "GET"}
        )
        result = scan(Response(f"https://{HOST}{path}", status, headers, cookies, body, cors_headers=preflight))
        if result.score < 130 or result.penalties():
            problems.append(f"{path} ({status}): {result.explain()}")

    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("path", ["/tip/", "/tip/send/safety/"])
def test_the_landing_page_and_a_channel_form_pass_the_directory_checks_from_the_real_server(https_server, path):
    status, headers, cookies, body = ask(https_server, "GET", path)

    def stylesheet(url: str) -> str:
        return ask(https_server, "GET", url.split(HOST, 1)[1])[3]

    page = Page(f"https://{HOST}{path}", status, headers, cookies, body)
    assert headers.get("Strict-Transport-Security", "").startswith("max-age=63072000"), headers
    assert failures(page, stylesheet, waived={"xss_protection": "see tests/intake/test_securedrop_checks.py"}) == []
