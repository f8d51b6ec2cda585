"""deploy/tor/torrc: Debian's tor accepts it, and it points the onion service at nginx's onion entrance."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.support.live import REPO
from tests.support.nginx import render
from tests.support.tools import require_tool

TORRC = REPO / "deploy" / "tor" / "torrc"
NGINX_SITE = REPO / "deploy" / "nginx" / "clarion.conf"
ONION_ENTRANCE = "127.0.0.1:8081"


def verify(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    """Run `tor --verify-config` on `text`, with a data folder of the test's own."""
    tor = require_tool("/usr/sbin/tor", "deploy/tor is checked by Debian's tor (package tor)")
    torrc = tmp_path / "torrc"
    torrc.write_text(text)
    return subprocess.run(
        [tor, "--verify-config", "-f", str(torrc), "--DataDirectory", str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=60,
    )


def rendered(tmp_path: Path, template: str | None = None) -> str:
    service = tmp_path / "onion"
    service.mkdir(mode=0o700, exist_ok=True)
    values = {"hidden_service_dir": str(service), "onion_listen": ONION_ENTRANCE}
    return render(template or TORRC.read_text(), values)


def tor_version() -> tuple[int, ...]:
    tor = require_tool("/usr/sbin/tor", "deploy/tor is checked by Debian's tor (package tor)")
    output = subprocess.run([tor, "--version"], capture_output=True, text=True, timeout=30).stdout
    match = re.search(r"Tor version (\d+)\.(\d+)\.(\d+)", output)
    assert match, output
    return tuple(int(part) for part in match.groups())


def test_tor_accepts_the_onion_service_configuration(tmp_path):
    result = verify(tmp_path, rendered(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Configuration was valid" in result.stdout


def test_the_proof_of_work_defence_is_accepted_where_tor_has_it(tmp_path):
    if tor_version() < (0, 4, 8):
        pytest.skip("tor before 0.4.8 has no proof-of-work defence; the line stays commented out")
    text = rendered(tmp_path).replace("#HiddenServicePoWDefensesEnabled 1", "HiddenServicePoWDefensesEnabled 1")

    result = verify(tmp_path, text)

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_check_fails_on_a_broken_service_line(tmp_path):
    # So that the passing check above cannot come from a tor that accepts anything.
    text = rendered(tmp_path).replace(f"HiddenServicePort 80 {ONION_ENTRANCE}", "HiddenServicePort 80 nowhere:port")

    assert verify(tmp_path, text).returncode != 0


def options(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.strip().partition(" ")
            found.setdefault(name, []).append(value.strip())
    return found


def test_a_service_only_v3_onion_that_stays_anonymous_and_reaches_nginx_s_onion_entrance(tmp_path):
    torrc = options(TORRC.read_text())

    assert torrc["SocksPort"] == ["0"]
    assert torrc["HiddenServiceVersion"] == ["3"]
    assert torrc["HiddenServiceNonAnonymousMode"] == ["0"]
    assert torrc["HiddenServiceSingleHopMode"] == ["0"]
    assert torrc["HiddenServicePort"] == ["80 {{onion_listen}}"]
    # The same placeholder is what nginx's onion server listens on: tor reaches nginx, which
    # sets X-Forwarded-Proto itself, and never gunicorn directly.
    assert "listen {{onion_listen}};" in NGINX_SITE.read_text()
