"""deploy/nginx in front of the real server, run by Debian's nginx with a self-signed certificate.

What a source, a reader and an attacker see over TLS: HTTPS only (HTTP redirected, TLS 1.1
refused), the protective headers through the proxy, reader pages cached and a retraction
reaching readers within one second, source and staff pages never cached, no upload written
to nginx's disk, and no client address in any log of nginx or Clarion.
"""

from __future__ import annotations

import http.client
import re
import socket
import ssl
import time
import urllib.parse
from collections.abc import Iterator

import pytest

from clarion import vault
from tests.support import observatory, securedrop_scan
from tests.support.live import LiveServer, clear_of_key_rotation, running
from tests.support.nginx import NGINX, ONION_ADDRESS, SERVER_NAME, Nginx, running_nginx
from tests.support.tools import require_tool

pytestmark = pytest.mark.live_server_process

POST = "/posts/overtime-unpaid/"
#: A client address nothing else uses: any 127.x.y.z reaches the loopback listener on Linux.
CLIENT = "127.83.41.29"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Nginx]]:
    """Clarion behind deploy/nginx, set up as docs/deploy.md says: HTTPS on, the onion address given."""
    require_tool(NGINX, "the deploy/nginx tests run Debian's nginx (package nginx-light)")
    require_tool("openssl", "the deploy/nginx tests make a self-signed certificate")
    root = tmp_path_factory.mktemp("nginx-stack")
    env = {
        "CLARION_HTTPS": "true",
        "CLARION_BEHIND_PROXY": "true",
        "CLARION_ALLOWED_HOSTS": f"{SERVER_NAME},{ONION_ADDRESS},127.0.0.1",  # the last for LiveServer.start
        "CLARION_ONION_ADDRESS": ONION_ADDRESS,
    }
    with (
        running(LiveServer(root / "clarion", env=env)) as server,
        running_nginx(root / "nginx", upstream_port=server.port) as nginx,
    ):
        yield server, nginx


def start_of_a_second() -> None:
    """Wait for the next second of the clock to begin, so that what follows fits in one second."""
    time.sleep(1 - time.time() % 1 + 0.01)


def test_plain_http_is_only_ever_a_redirect_to_the_https_address(stack):
    _, nginx = stack
    for path, host in ((f"{POST}?page=2", SERVER_NAME), ("/tip/", "attacker.example")):
        conn = http.client.HTTPConnection("127.0.0.1", nginx.http_port, timeout=10)
        conn.request("GET", path, headers={"Host": host})
        response = conn.getresponse()
        body = response.read()
        conn.close()

        assert response.status == 301
        # To the site's own address whatever Host the client sent: no open redirect.
        assert response.headers["Location"] == f"https://{SERVER_NAME}:{nginx.https_port}{path}"
        assert b"Clarion" not in body and b"csrf" not in body


def test_plain_http_serves_let_s_encrypt_s_challenges_and_nothing_else(stack):
    _, nginx = stack
    challenge = nginx.root / "acme" / ".well-known" / "acme-challenge"
    challenge.mkdir(parents=True, exist_ok=True)
    (challenge / "token-123").write_text("token-123.thumbprint")
    conn = http.client.HTTPConnection("127.0.0.1", nginx.http_port, timeout=10)

    conn.request("GET", "/.well-known/acme-challenge/token-123", headers={"Host": SERVER_NAME})
    response = conn.getresponse()

    assert response.status == 200 and response.read() == b"token-123.thumbprint"
    conn.request("GET", "/.well-known/security.txt", headers={"Host": SERVER_NAME})
    assert conn.getresponse().status == 301
    conn.close()


def handshake(nginx: Nginx, version: ssl.TLSVersion) -> str:
    """Try a TLS handshake pinned to `version`; return the version agreed, or the error."""
    context = nginx.tls_context()
    context.minimum_version = context.maximum_version = version
    context.set_ciphers("DEFAULT:@SECLEVEL=0")  # let this client offer what OpenSSL 3 retired
    try:
        with (
            socket.create_connection(("127.0.0.1", nginx.https_port), timeout=10) as sock,
            context.wrap_socket(sock, server_hostname=SERVER_NAME) as tls,
        ):
            return str(tls.version())
    except ssl.SSLError as error:
        return f"refused: {error.reason}"


def test_only_tls_1_2_and_1_3_are_spoken(stack):
    _, nginx = stack

    assert handshake(nginx, ssl.TLSVersion.TLSv1_3) == "TLSv1.3"
    assert handshake(nginx, ssl.TLSVersion.TLSv1_2) == "TLSv1.2"
    # Debian's nginx.conf allows TLS 1.0 and 1.1 for the whole http block: the site refuses them.
    for old in (ssl.TLSVersion.TLSv1_1, ssl.TLSVersion.TLSv1):
        assert handshake(nginx, old).startswith("refused"), old


def test_another_name_gets_no_certificate_and_no_page(stack):
    _, nginx = stack
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE

    with socket.create_connection(("127.0.0.1", nginx.https_port), timeout=10) as sock, pytest.raises(ssl.SSLError):
        context.wrap_socket(sock, server_hostname="scanner.example")


@pytest.mark.parametrize("path", ["/", POST, "/tip/", "/staff/login/"])
def test_pages_over_tls_carry_clarion_s_headers_and_onion_location(stack, path):
    _, nginx = stack

    status, headers, _ = nginx.get(path)

    assert status == 200
    assert headers["Strict-Transport-Security"].startswith("max-age=63072000")
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Onion-Location"] == f"http://{ONION_ADDRESS}{path}"
    assert "Server" not in headers  # neither nginx's nor gunicorn's name
    assert "X-Accel-Expires" not in headers  # meant for nginx alone


def response_over_tls(nginx: Nginx, path: str) -> tuple[int, dict[str, str], list[str], str]:
    """Return a page's status, headers (repeats joined), Set-Cookie values and body, through nginx over TLS."""
    status, message, body = nginx.get(path)
    headers: dict[str, str] = {}
    for name, value in message.items():
        if name.lower() != "set-cookie":
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return status, headers, message.get_all("Set-Cookie") or [], body.decode(errors="replace")


def http_route(nginx: Nginx, path: str) -> list[str]:
    """Return where a plain-HTTP request for `path` goes: its own URL, then each redirect."""
    conn = http.client.HTTPConnection("127.0.0.1", nginx.http_port, timeout=10)
    conn.request("GET", path, headers={"Host": SERVER_NAME})
    response = conn.getresponse()
    response.read()
    conn.close()
    return [f"http://{SERVER_NAME}{path}", response.headers["Location"]]


def test_every_page_type_over_tls_scores_at_least_130_on_the_observatory_with_no_penalty(stack):
    # The MDN HTTP Observatory's scoring (tests/support/observatory.py) on what nginx answers over
    # TLS, plain-HTTP redirect included: the headers a reader, a source and a staff member get.
    _, nginx = stack
    paths = ["/", POST, "/reports/", "/feed/atom/", "/tip/", "/tip/send/safety/", "/tip/login/", "/staff/login/"]
    problems = []
    for path in [*paths, "/no-such-page/"]:
        status, headers, cookies, body = response_over_tls(nginx, path)
        result = observatory.scan(
            observatory.Response(
                nginx.site_url + path, status, headers, cookies, body, http_route=http_route(nginx, path)
            )
        )
        if result.score < 130 or result.penalties():
            problems.append(f"{path} ({status}): {result.explain()}")

    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("path", ["/tip/", "/tip/send/safety/"])
def test_the_landing_page_and_a_channel_form_over_tls_pass_the_securedrop_directory_checks(stack, path):
    _, nginx = stack
    status, headers, cookies, body = response_over_tls(nginx, path)

    def stylesheet(url: str) -> str:
        return nginx.get(urllib.parse.urlsplit(url).path)[2].decode(errors="replace")

    page = securedrop_scan.Page(nginx.site_url + path, status, headers, cookies, body)
    waived = {"xss_protection": "browsers removed the filter it controls (tests/intake/test_securedrop_checks.py)"}
    assert securedrop_scan.failures(page, stylesheet, waived=waived) == []


def test_the_onion_entrance_serves_the_site_over_http_without_trusting_a_client_s_forwarded_proto(stack):
    _, nginx = stack
    conn = http.client.HTTPConnection("127.0.0.1", nginx.onion_port, timeout=10)
    # A Tor client claiming HTTPS: Clarion would then send Onion-Location and HSTS.
    conn.request("GET", "/tip/", headers={"Host": ONION_ADDRESS, "X-Forwarded-Proto": "https"})
    response = conn.getresponse()
    body = response.read()
    conn.close()

    assert response.status == 200 and b"Send us a tip safely" in body
    assert response.headers["Onion-Location"] is None
    assert response.headers["Strict-Transport-Security"] is None
    assert f'<code class="onion-address">{ONION_ADDRESS}</code>'.encode() in body


def test_source_and_staff_pages_are_never_compressed_reader_pages_may_be(stack):
    # BREACH: the compressed size of a page holding a secret next to attacker-chosen text
    # leaks the secret to anyone watching the encrypted traffic.
    _, nginx = stack
    for path in ("/tip/", "/tip/send/safety/", "/tip/login/", "/staff/login/"):
        headers = nginx.get(path, headers={"Accept-Encoding": "gzip"})[1]
        assert headers.get("Content-Encoding") is None, path
    assert nginx.get(POST, headers={"Accept-Encoding": "gzip"})[1]["Content-Encoding"] == "gzip"


def test_a_reader_page_is_answered_from_nginx_s_cache(stack):
    _, nginx = stack
    nginx.get(POST)
    for _ in range(3):  # two requests within one second of the clock; a loaded machine may need another go
        start_of_a_second()
        started = int(time.time())
        first = nginx.get(POST)
        second = nginx.get(POST)
        if int(time.time()) == started:  # both answered before the second ended
            break

    assert first[0] == second[0] == 200
    assert second[1]["X-Cache-Status"] == "HIT"
    assert second[2] == first[2]


def test_source_and_staff_pages_and_readers_with_cookies_never_get_a_cached_page(stack):
    _, nginx = stack
    for path in ("/tip/", "/tip/send/safety/", "/tip/login/", "/staff/login/"):
        statuses = set()
        for _ in range(3):
            status, headers, _ = nginx.get(path)
            assert status == 200
            statuses.add(headers.get("X-Cache-Status"))
        assert statuses <= {None, "", "MISS", "BYPASS"}, (path, statuses)
    nginx.get(POST)
    assert nginx.get(POST, headers={"Cookie": "__Host-clarion-staff=abc"})[1]["X-Cache-Status"] == "BYPASS"
    # Nothing a source or staff member was sent sits in nginx's cache: only reader pages.
    for path in nginx.cache_dir.rglob("*"):
        if path.is_file():
            stored = path.read_bytes()
            assert b"csrfmiddlewaretoken" not in stored and b"Set-Cookie" not in stored, path


def test_a_retraction_reaches_every_reader_within_one_second(stack):
    server, nginx = stack
    assert nginx.get(POST)[1]["X-Cache-Status"] in {"HIT", "MISS", "EXPIRED"}
    notice = "Retracted: the payroll figures were wrong."

    # An editor retracts the post, in another process (as the worker publishes scheduled posts).
    output = server.manage(
        "shell",
        "-c",
        "import time\n"
        "from django.contrib.auth import get_user_model\n"
        "from clarion.publishing.actions import do_retract_post\n"
        "from clarion.publishing.models import Post\n"
        f"post = Post.objects.get(slug={POST.split('/')[2]!r})\n"
        "actor = get_user_model().objects.filter(is_staff=True).first()\n"
        f"do_retract_post(actor=actor, post=post, notice={notice!r}, withdraw_text=False)\n"
        "print('committed at', time.time())\n",
    )
    committed = float(output.split("committed at")[1].split()[0])

    seen: list[tuple[float, bool, str]] = []
    while time.time() < committed + 2.0:
        asked = time.time()
        _, headers, body = nginx.get(POST)
        seen.append((asked - committed, notice.encode() in body, headers.get("X-Cache-Status", "")))
        time.sleep(0.05)

    late = [entry for entry in seen if entry[0] >= 1.0]
    assert late, "no request was made after the first second"
    assert all(shown for _, shown, _ in late), [entry for entry in late if not entry[1]]
    assert any(status == "HIT" for _, _, status in late), "nginx cached nothing after the retraction"


def test_an_upload_streams_through_nginx_without_touching_its_disk(stack):
    _, nginx = stack
    canary = b"CANARY-nginx-disk-" * 4096
    total = 4 * 1024 * 1024
    conn = nginx.https()
    conn.putrequest("POST", "/tip/send/safety/")
    conn.putheader("Content-Type", "multipart/form-data; boundary=x")
    conn.putheader("Content-Length", str(total))
    conn.endheaders()
    sent = 0
    while sent < total // 2:
        conn.send(canary)
        sent += len(canary)
    time.sleep(1.0)  # nginx has read what was sent: by default it would be in a temporary file

    during = nginx.temporary_files()
    conn.close()

    assert during == [], during
    for path in nginx.root.rglob("*"):
        if path.is_file():
            assert b"CANARY-nginx-disk-" not in path.read_bytes(), path


def test_bodies_over_the_channels_limits_are_refused_by_nginx(stack):
    _, nginx = stack
    limits = {"/tip/send/safety/": 2054, "/staff/cases/": 2054, "/staff/posts/": 31, "/": 6}
    for path, mib in limits.items():
        for size, expected in ((mib * 1024 * 1024 + 1, 413),):
            conn = nginx.https()
            conn.putrequest("POST", path)  # with Host: localhost:<port>
            conn.putheader("Content-Length", str(size))
            conn.endheaders()
            response = conn.getresponse()
            response.read()
            conn.close()
            assert response.status == expected, (path, size, response.status)


def test_no_client_address_reaches_any_log_of_nginx_or_clarion(stack):
    server, nginx = stack
    # What makes nginx and Clarion write to their logs, from one distinctive client address:
    # pages, a missing page, a refused form, a body over the limit, a refused TLS version, a
    # broken request, a client that leaves mid-request.
    used = set()
    for method, path, headers in (
        ("GET", POST, {}),
        ("GET", "/no-such-page/", {}),
        ("POST", "/tip/send/safety/", {"Content-Length": "0"}),
        ("POST", "/", {"Content-Length": str(7 * 1024 * 1024)}),
        ("GET", "/tip/", {"Host": "attacker.example"}),
    ):
        conn = nginx.https(source_address=CLIENT)
        conn.putrequest(method, path, skip_host="Host" in headers)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        used.add(conn.sock.getsockname()[0])
        conn.getresponse().read()
        conn.close()
    context = nginx.tls_context()
    context.maximum_version = ssl.TLSVersion.TLSv1_1
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    with socket.create_connection(("127.0.0.1", nginx.https_port), source_address=(CLIENT, 0)) as sock:
        used.add(sock.getsockname()[0])
        with pytest.raises(ssl.SSLError):
            context.wrap_socket(sock, server_hostname=SERVER_NAME)
    with socket.create_connection(("127.0.0.1", nginx.https_port), source_address=(CLIENT, 0)) as sock:
        sock.sendall(b"\x16\x03\x01\x00\x05junk")  # a broken handshake
        sock.settimeout(5)
        try:
            sock.recv(100)
        except OSError:
            pass
    conn = nginx.https(source_address=CLIENT)
    conn.putrequest("POST", "/tip/send/safety/")
    conn.putheader("Content-Length", "100000")
    conn.endheaders()
    conn.send(b"x" * 1000)
    conn.close()  # gone mid-request
    time.sleep(1.0)

    assert used == {CLIENT}
    logs = nginx.log_bytes() + server.logs()
    assert logs is not None
    assert CLIENT.encode() not in logs
    assert b"83.41.29" not in logs


def receipt_attempt(nginx: Nginx, source_address: str) -> int:
    """Load the receipt form over HTTPS from `source_address` and send a wrong receipt; return the status."""
    conn = nginx.https(source_address=source_address)
    try:
        conn.request("GET", "/tip/login/")
        form = conn.getresponse()
        html = form.read().decode()
        cookies = "; ".join(header.split(";")[0] for header in form.headers.get_all("Set-Cookie") or [])
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert match, html[:500]
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": match.group(1), "receipt": vault.generate_receipt()})
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookies, "Origin": "null"}
        conn.request("POST", "/tip/login/", body=body, headers=headers)
        answer = conn.getresponse()
        answer.read()
        return answer.status
    finally:
        conn.close()


def test_through_nginx_each_client_address_has_its_own_guessing_limit(stack):
    # nginx passes the address in X-Real-IP (CLARION_BEHIND_PROXY): without it every client would
    # reach gunicorn from the loopback, and one guesser would lock every source out.
    _, nginx = stack
    clear_of_key_rotation(60)  # counts keyed by an address restart when the key rotates
    guesser, source = "127.61.0.1", "127.61.0.2"

    statuses = [receipt_attempt(nginx, guesser) for _ in range(7)]

    assert statuses[0] == 400 and statuses[-1] == 429, statuses  # 400: "No tip matches this receipt."
    assert receipt_attempt(nginx, source) == 400
