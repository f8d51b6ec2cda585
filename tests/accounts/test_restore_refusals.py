"""`restore` refuses anything doubtful before it writes a byte: tested through the real command.

As an operator meets the refusals (a wrong key file, a folder or database that is not empty) and
as an attacker would try them: one byte of the file changed, a backup re-made with the public
recipient after changing a member (age alone cannot see that; the manifest can), or a member
named to escape the data folder. Each restore runs `python -m clarion` in its own process, on a
site folder prepared by tests/support/live.py (no server is started).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from clarion import vault
from tests.support.backups import decrypted_members, reencrypt, require_database_tools
from tests.support.live import REPO, LiveServer

# Prepares site folders (and PostgreSQL databases) through tests/support/live.py: slow like a live test.
pytestmark = pytest.mark.live_server_process


# --- restore: refusals, through the real command in its own process -------------------------------


def clarion(server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m clarion <args>` on the server's folder (and database); return what happened."""
    return subprocess.run(
        [sys.executable, "-m", "clarion", *args],
        env=server.env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def files_in(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory):
    """A prepared site (demo content), its backup, and the key it was encrypted to."""
    require_database_tools()
    root = tmp_path_factory.mktemp("made")
    key = vault.generate_keypair()
    keyfile = root / "key.txt"
    keyfile.write_text(f"# public key: {key.recipient}\n{key.identity}\n")
    server = LiveServer(root / "site")
    server.prepare()
    backup = root / "site.tar.age"
    server.manage("backup", "--recipient", key.recipient, "--output", str(backup))
    try:
        yield server, backup, keyfile, key
    finally:
        server.close()


@pytest.fixture
def empty_site(tmp_path: Path):
    """A site with an empty data folder (and, on PostgreSQL, a new empty database)."""
    server = LiveServer(tmp_path / "empty")
    try:
        yield server
    finally:
        server.close()


def assert_nothing_restored(server: LiveServer) -> None:
    assert files_in(server.data_dir) == []
    if server.pg_database:
        assert server.query("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'") == [(0,)]


@pytest.mark.parametrize("where", ["header", "middle", "last byte"])
def test_a_backup_with_one_byte_changed_is_refused_before_anything_is_written(made, empty_site, tmp_path, where):
    _, backup, keyfile, _ = made
    data = bytearray(backup.read_bytes())
    position = {"header": 40, "middle": len(data) // 2, "last byte": len(data) - 1}[where]
    data[position] ^= 0x01
    tampered = tmp_path / "tampered.age"
    tampered.write_bytes(bytes(data))

    result = clarion(empty_site, "restore", str(tampered), "--identity", str(keyfile))

    assert result.returncode != 0
    assert "nothing was restored" in result.stderr or "cannot be opened" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert_nothing_restored(empty_site)


def test_a_wrong_identity_is_refused(made, empty_site, tmp_path) -> None:
    _, backup, _, _ = made
    other = tmp_path / "other.txt"
    other.write_text(vault.generate_keypair().identity + "\n")

    result = clarion(empty_site, "restore", str(backup), "--identity", str(other))

    assert result.returncode != 0
    assert "cannot be opened with that identity" in result.stderr, result.stderr
    assert_nothing_restored(empty_site)


def test_a_backup_remade_with_a_changed_member_is_refused_by_its_manifest(made, empty_site, tmp_path) -> None:
    # Given a backup decrypted, one byte of a key changed, and encrypted again to the public recipient
    _, backup, keyfile, key = made
    members = decrypted_members(backup, key.identity)
    name = next(name for name in members if name.startswith("keys/"))
    members[name] = bytes([members[name][0] ^ 0x01]) + members[name][1:]
    altered = tmp_path / "altered.age"
    altered.write_bytes(reencrypt(members, key.recipient))

    result = clarion(empty_site, "restore", str(altered), "--identity", str(keyfile))

    # Then age opens it, but the manifest refuses it, and nothing is written
    assert result.returncode != 0
    assert f"{name} does not match its checksum" in result.stderr, result.stderr
    assert_nothing_restored(empty_site)


@pytest.mark.parametrize("name", ["../escaped", "keys/../../escaped", "/tmp/escaped", "blobs/not-a-blob-name"])
def test_a_crafted_member_name_is_refused_before_anything_is_written(made, empty_site, tmp_path, name) -> None:
    _, backup, keyfile, key = made
    members = decrypted_members(backup, key.identity)
    manifest = members.pop("MANIFEST.json")
    crafted = tmp_path / "crafted.age"
    crafted.write_bytes(reencrypt({name: b"planted", **members, "MANIFEST.json": manifest}, key.recipient))

    result = clarion(empty_site, "restore", str(crafted), "--identity", str(keyfile))

    assert result.returncode != 0
    assert "unexpected file" in result.stderr, result.stderr
    assert_nothing_restored(empty_site)
    assert not (tmp_path / "escaped").exists() and not Path("/tmp/escaped").exists()


def test_restore_into_a_folder_that_holds_a_site_is_refused_and_changes_nothing(made) -> None:
    server, backup, keyfile, _ = made
    before = {path: path.read_bytes() for path in files_in(server.data_dir)}

    result = clarion(server, "restore", str(backup), "--identity", str(keyfile))

    assert result.returncode != 0
    assert "is not empty" in result.stderr and "restore only into an empty folder" in result.stderr, result.stderr
    assert {path: path.read_bytes() for path in files_in(server.data_dir)} == before


def test_restore_into_a_database_that_holds_data_is_refused(made, tmp_path) -> None:
    if not os.environ.get("DATABASE_URL"):
        pytest.skip("the database is a file in the data folder under SQLite: the folder test covers it")
    _, backup, keyfile, _ = made
    server = LiveServer(tmp_path / "with-database")
    try:
        server.prepare()
        for path in files_in(server.data_dir):
            path.unlink()
        tables = server.query("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")

        result = clarion(server, "restore", str(backup), "--identity", str(keyfile))

        assert result.returncode != 0
        assert "restore only into an empty database" in result.stderr, result.stderr
        assert files_in(server.data_dir) == []
        assert server.query("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'") == tables
    finally:
        server.close()
