"""`python -m clarion setup` starts a real site: the organisation named, the first admin invited, no demo content."""

from __future__ import annotations

import os
import pty
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.live import REPO, LiveServer
from tests.support.staff import StaffClient

ONION = "a" * 56 + ".onion"
VALID = ["--name", "Riverside Workers' Council", "--site-url", "https://tips.example.org", "--languages", "en,fr"]


def run_setup(data_dir: Path, *args: str, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CLARION_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "tests.settings"}
    env.pop("DATABASE_URL", None)
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, "-m", "clarion", "setup", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


@pytest.mark.live_server_process
def test_setup_on_an_empty_server_names_the_organisation_and_its_first_admin_enrols(tmp_path):
    # Given an empty server folder, set up with the address the server will answer on
    server = LiveServer(tmp_path)
    try:
        output = server.manage(
            "setup", "--name", "Riverside Workers' Council", "--site-url", server.base_url, "--languages", "en,fr"
        )
        code = output.strip().splitlines()[-2]
        assert "/staff/enrol/" in output.strip().splitlines()[-3]

        # When the server runs and the first admin enrols with the printed code
        server.start()
        admin = StaffClient(server)
        admin.enrol(code, "ada")
        inbox = admin.log_in("ada")

        # Then the site carries the organisation's name, with no demo content anywhere
        assert "<h1>Inbox</h1>" in inbox
        _, home = admin.get("/")
        assert "Riverside Workers&#x27; Council" in home or "Riverside Workers' Council" in home
        assert server.query("SELECT name, languages FROM accounts_organisation") == [
            ("Riverside Workers' Council", "en,fr")
        ]
        assert server.query("SELECT count(*) FROM intake_channel") == [(0,)]
        assert server.query("SELECT count(*) FROM publishing_post") == [(0,)]
        assert server.query("SELECT username FROM auth_user") == [("ada",)]
        groups = server.query(
            "SELECT g.name FROM auth_group g JOIN auth_user_groups ug ON ug.group_id = g.id ORDER BY g.name"
        )
        assert groups == [("admin",), ("editor",), ("reviewer",)]
        # And every change went through the audit log
        actions = [row[0] for row in server.query("SELECT action FROM audit_auditentry ORDER BY id")]
        assert actions[:2] == ["organisation.set_up", "account.invite"]
        assert "account.enrol" in actions
        assert "Audit log intact" in server.manage("audit", "verify")
        # And plain HTTP was accepted for an address on this machine (a trial), with HTTPS off
        trial_settings = (server.data_dir / "clarion.env").read_text().splitlines()
        assert "CLARION_HTTPS='false'" in trial_settings
        assert not any(line.startswith("CLARION_BEHIND_PROXY") for line in trial_settings)
    finally:
        server.close()


def test_setup_writes_the_service_environment_and_a_second_run_changes_nothing_without_update(tmp_path):
    # Given a site set up once, with an onion service
    first = run_setup(tmp_path, *VALID, extra_env={"CLARION_ONION_ADDRESS": ONION, "CLARION_BIND": "127.0.0.1:8123"})
    assert first.returncode == 0, first.stderr
    env_file = tmp_path / "clarion.env"
    lines = env_file.read_text().splitlines()
    assert "CLARION_SITE_URL='https://tips.example.org'" in lines
    assert f"CLARION_ALLOWED_HOSTS='tips.example.org,{ONION}'" in lines
    assert "CLARION_HTTPS='true'" in lines
    assert "CLARION_DEBUG='false'" in lines
    assert "CLARION_BEHIND_PROXY='true'" in lines
    # What the service needs beyond setup's answers comes from the environment setup ran in
    assert f"CLARION_ONION_ADDRESS='{ONION}'" in lines
    assert "CLARION_BIND='127.0.0.1:8123'" in lines
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    # A shell reads the same values systemd does.
    shell = subprocess.run(
        ["sh", "-c", f'set -a; . "{env_file}"; set +a; printf %s "$CLARION_SITE_URL"'],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shell.stdout == "https://tips.example.org"
    env_before = env_file.read_bytes()

    # When setup runs again with other answers
    again = run_setup(tmp_path, "--name", "Someone Else", "--site-url", "https://other.example.org")

    # Then it says what exists and changes nothing
    assert again.returncode != 0
    assert "set up already" in again.stderr
    assert "Riverside Workers' Council" in again.stderr
    assert "--update" in again.stderr
    assert env_file.read_bytes() == env_before
    assert "enrols at" not in again.stdout

    # And with --update it renames and rewrites the environment, without a second invitation
    update = run_setup(
        tmp_path,
        "--update",
        "--name",
        "Riverside Council",
        "--site-url",
        "https://tips.example.net",
        "--languages",
        "en",
    )
    assert update.returncode == 0, update.stderr
    assert "Riverside Council is set up" in update.stdout
    assert "CLARION_SITE_URL='https://tips.example.net'" in env_file.read_text()
    assert "enrols at" not in update.stdout


@pytest.mark.parametrize(
    ("args", "field", "message"),
    [
        (["--name", "  ", "--site-url", "https://tips.example.org"], "--name", "name is empty"),
        (["--name", "R", "--site-url", "http://tips.example.org"], "--site-url", "starting with https://"),
        (["--name", "R", "--site-url", "tips.example.org"], "--site-url", "starting with https://"),
        (["--name", "R", "--site-url", "ftp://localhost"], "--site-url", "starting with https://"),
        (["--name", "R", "--site-url", "https://x.org", "--languages", "en,klingon"], "--languages", "“klingon”"),
        (["--name", "R", "--site-url", "https://x.org", "--languages", ","], "--languages", "at least one"),
        (["--site-url", "https://tips.example.org"], "--name", "missing"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_set_up(tmp_path, args, field, message):
    result = run_setup(tmp_path, *args)

    assert result.returncode != 0
    assert field in result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "clarion.env").exists()
    assert not (tmp_path / "clarion.sqlite3").exists()


def test_in_a_terminal_without_flags_setup_asks_for_each_answer(tmp_path):
    # Given setup started in a terminal with no flags, and a person typing the answers
    terminal, its_end = pty.openpty()
    env = {**os.environ, "CLARION_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "tests.settings"}
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "clarion", "setup"], stdin=its_end, stdout=its_end, stderr=its_end, env=env, cwd=REPO
    )
    os.close(its_end)
    # (an empty name first, which is refused and asked again; the empty last line takes the default language)
    os.write(terminal, b"\nRiverside Workers' Council\nhttps://tips.example.org\n\n")
    shown = b""
    while True:
        try:
            chunk = os.read(terminal, 4096)
        except OSError:  # the terminal closes when setup exits
            break
        if not chunk:
            break
        shown += chunk
    os.close(terminal)

    # Then it asked each question, and set up the site with the answers
    assert process.wait(timeout=120) == 0, shown.decode(errors="replace")
    text = shown.decode()
    assert text.count("Organisation name:") == 2
    assert "--name: the organisation's name is empty" in text
    assert "Public address (https://…):" in text
    assert "Languages, comma-separated [en]:" in text
    assert "Riverside Workers' Council is set up (languages: en)." in text
    assert "CLARION_SITE_URL='https://tips.example.org'" in (tmp_path / "clarion.env").read_text().splitlines()
