"""deploy/systemd/clarion.service: systemd accepts it as it stands, and it confines Clarion."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

from clarion.web.management.commands.serve import Command as Serve
from tests.support.live import REPO
from tests.support.nginx import render
from tests.support.tools import require_tool

UNIT = REPO / "deploy" / "systemd" / "clarion.service"


def rendered_unit(tmp_path: Path, text: str | None = None) -> Path:
    """Render the unit with this checkout as the install folder (its .venv/bin/python exists)."""
    path = tmp_path / "clarion.service"
    path.write_text(render(text or UNIT.read_text(), {"install_dir": str(REPO)}))
    return path


def analyze(*args: str) -> subprocess.CompletedProcess[str]:
    tool = require_tool("systemd-analyze", "deploy/systemd is checked by systemd-analyze (package systemd)")
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=120)


def test_systemd_analyze_verify_passes_without_a_warning(tmp_path):
    result = analyze("verify", "--man=no", str(rendered_unit(tmp_path)))

    assert result.returncode == 0, result.stderr
    assert result.stdout + result.stderr == ""


def test_verify_reports_a_mistyped_or_wrong_setting(tmp_path):
    # systemd ignores what it cannot parse (exit 0, a warning): a typo would silently drop a
    # protection, which is why the test above wants no output at all.
    for broken in ("ProtectHomes=yes", "ProtectHome=maybe"):
        unit = rendered_unit(tmp_path, UNIT.read_text().replace("ProtectHome=yes", broken))
        result = analyze("verify", "--man=no", str(unit))
        assert result.stderr.strip(), broken


def settings_of(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith("#"):
            name, _, value = line.partition("=")
            found.setdefault(name.strip(), []).append(value.strip())
    return found


def test_the_data_folder_is_the_only_writable_path_and_privileges_are_gone():
    unit = settings_of(UNIT.read_text())

    assert unit["User"] == ["clarion"] and unit["Group"] == ["clarion"]
    assert unit["ProtectSystem"] == ["strict"]
    assert unit["ReadWritePaths"] == ["/var/lib/clarion"]
    assert "CLARION_DATA_DIR=/var/lib/clarion" in unit["Environment"][0].split()
    assert unit["StateDirectoryMode"] == ["0700"]
    for name in ("PrivateTmp", "NoNewPrivileges", "ProtectHome", "PrivateDevices", "ProtectKernelTunables"):
        assert unit[name] == ["yes"], name
    assert unit["CapabilityBoundingSet"] == [""]
    assert unit["SystemCallFilter"][0] == "@system-service"
    assert unit["RestrictAddressFamilies"] == ["AF_UNIX AF_INET AF_INET6"]


def test_systemd_rates_the_unit_s_exposure_low(tmp_path):
    result = analyze("security", "--offline=true", "--no-pager", str(rendered_unit(tmp_path)))

    match = re.search(r"Overall exposure level for clarion.service: ([\d.]+)", result.stdout)
    assert match, result.stdout + result.stderr
    # 0 is fully confined, 10 unconfined; systemd calls up to 2.0 "OK".
    assert float(match.group(1)) <= 2.0, result.stdout


def test_the_unit_starts_serve_with_options_it_has():
    exec_start = shlex.split(settings_of(UNIT.read_text())["ExecStart"][0])
    assert exec_start[:4] == ["{{install_dir}}/.venv/bin/python", "-m", "clarion", "serve"]

    options = Serve().create_parser("clarion", "serve").parse_args(exec_start[4:])

    # The install folder is read-only under the unit: serve must not collect static files there.
    assert options.no_collectstatic is True
