"""`backup` writes one encrypted file that shows nothing; `restore` refuses anything doubtful before writing a byte.

The refusals are tested as an operator meets them (a wrong key file, a folder that is not
empty) and as an attacker would try them: one byte of the file changed, or a backup re-made
with the public recipient after changing a member (age alone cannot see that; the manifest can),
or with a member named to escape the data folder. The restore of a running server is in
tests/accounts/test_backup_live.py.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import stat
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from clarion import vault
from clarion.accounts.models import Organisation
from clarion.audit.models import AuditEntry
from clarion.intake.models import Tip
from tests.support.live import REPO, LiveServer
from tests.support.tips import send_tip


@pytest.fixture
def site(settings, tmp_path: Path) -> Path:
    """Give the test a data folder of its own, with keys, blobs and media as a site has them."""
    data = tmp_path / "site"
    (data / "keys").mkdir(parents=True)
    (data / "keys" / "receipt_pepper").write_text(secrets.token_hex(32))
    settings.DATA_DIR = data
    settings.CLARION_BLOB_DIR = data / "blobs"
    settings.CLARION_MEDIA_DIR = data / "media"
    (data / "media").mkdir()
    (data / "media" / "0123456789abcdef01234567.jpg").write_bytes(b"\xff\xd8 a published photo")
    return data


def decrypted_members(path: Path, identity: vault.AgeIdentityStr) -> dict[str, bytes]:
    """Open a backup as an operator would on the offline machine (age, then tar): name -> bytes."""
    plaintext = b"".join(vault.iter_decrypted(io.BytesIO(path.read_bytes()), [identity]))
    with tarfile.open(fileobj=io.BytesIO(plaintext)) as tar:
        return {info.name: tar.extractfile(info).read() for info in tar}


def reencrypt(members: dict[str, bytes], recipient: vault.AgeRecipientStr) -> bytes:
    """Make a backup as anyone holding the (public) recipient could: these members, in this order."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    vault.encrypt_stream(io.BytesIO(buffer.getvalue()), out, [recipient])
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_backup_holds_the_database_keys_blobs_and_media_and_no_plaintext_of_a_canary_tip(
    site: Path, channel, tmp_path: Path
) -> None:
    canary = "canary-" + secrets.token_hex(8)
    file_bytes = f"shift log {canary}\n".encode() * 50
    # Given a tip whose answer, file name and file carry a canary
    send_tip(channel, message=f"The valve is bypassed {canary}", files=[(f"{canary}.txt", file_bytes)])
    assert Tip.objects.count() == 1
    key = vault.generate_keypair()
    target = tmp_path / "out" / "site.tar.age"
    target.parent.mkdir()

    # When the operator backs up to a recipient
    out = io.StringIO()
    call_command("backup", "--recipient", key.recipient, "--output", str(target), stdout=out)

    # Then one file is written, readable by its owner alone, and no canary is in its bytes
    raw = target.read_bytes()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["site.tar.age"]
    for form in (canary, canary.upper(), canary.encode().hex()):
        assert form.encode() not in raw
    assert b"shift log" not in raw and b"SQLite format 3" not in raw and b"PGDMP" not in raw
    # And, opened with the private key, it holds the database, keys, every blob and the media,
    # each matching the checksum of the manifest, which comes last
    members = decrypted_members(target, key.identity)
    names = list(members)
    assert names[-1] == "MANIFEST.json"
    manifest = json.loads(members["MANIFEST.json"])
    blobs = {f"blobs/{name}" for name in vault.BlobStore(site / "blobs").names()}
    assert len(blobs) >= 1
    database = "database/clarion.pgdump" if manifest["database"] == "postgresql" else "database/clarion.sqlite3"
    assert set(names) == {
        database,
        "keys/receipt_pepper",
        "media/0123456789abcdef01234567.jpg",
        *blobs,
        "MANIFEST.json",
    }
    assert {entry["name"]: entry["sha256"] for entry in manifest["members"]} == {
        name: hashlib.sha256(data).hexdigest() for name, data in members.items() if name != "MANIFEST.json"
    }
    assert members["keys/receipt_pepper"] == (site / "keys" / "receipt_pepper").read_bytes()
    # And the database copy is a whole database (the dump is compressed, so no id shows in it)
    assert members[database].startswith(b"PGDMP" if manifest["database"] == "postgresql" else b"SQLite format 3\0")
    # And doctor can tell when and what the last backup was, and the audit log says it happened
    last = json.loads((site / "last-backup.json").read_text())
    assert last["file"] == str(target)
    assert last["sha256"] == hashlib.sha256(raw).hexdigest()
    assert last["finished_at"].endswith("Z")
    entry = AuditEntry.objects.filter(action="backup.created").get()
    assert last["sha256"] in entry.detail and entry.actor_id is None
    assert "Backup written" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_backup_goes_to_the_organisation_offline_key_and_is_refused_when_there_is_none(
    site: Path, tmp_path: Path
) -> None:
    target = tmp_path / "backup.age"
    # Given no offline key registered and no recipient given, the backup is refused and says what to do
    with pytest.raises(CommandError, match="register the organisation's offline key"):
        call_command("backup", "--output", str(target), stdout=io.StringIO())
    assert not target.exists() and not list(tmp_path.glob(".backup.age*"))
    assert not (site / "last-backup.json").exists()
    # And a private key given by mistake is refused without being echoed
    private = vault.generate_keypair().identity
    with pytest.raises(CommandError) as refused:
        call_command("backup", "--recipient", private, "--output", str(target), stdout=io.StringIO())
    assert private not in str(refused.value) and "private key" in str(refused.value)

    # When an admin has registered the offline key, the backup is encrypted to it
    offline = vault.generate_keypair()
    Organisation.objects.create(name="Union", offline_public_key=offline.recipient)
    call_command("backup", "--output", str(target), stdout=io.StringIO())
    assert "MANIFEST.json" in decrypted_members(target, offline.identity)
    with pytest.raises(vault.DecryptionError):
        decrypted_members(target, vault.generate_keypair().identity)


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
