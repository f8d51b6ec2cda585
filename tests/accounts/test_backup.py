"""`backup` writes one encrypted file that shows nothing, holding the whole site and a manifest.

An attacker who copies the backup file finds no byte of a tip, a file or the database in it;
the operator who holds the key finds the database, keys, blobs and media, each matching the
manifest; `doctor` finds when the last backup finished, and the audit log that it happened.
The refusals of `restore` are in test_restore_refusals.py, the restore of a running server in
test_backup_live.py.
"""

from __future__ import annotations

import hashlib
import io
import json
import secrets
import stat
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from clarion import vault
from clarion.accounts.backups import write_backup
from clarion.accounts.models import Organisation
from clarion.audit.models import AuditEntry
from clarion.intake.models import Tip
from tests.support.backups import decrypted_members, require_database_tools
from tests.support.tips import send_tip


@pytest.fixture(autouse=True)
def _database_tools() -> None:
    """On PostgreSQL, back up and restore with pg_dump and pg_restore (postgresql-client)."""
    require_database_tools()


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


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.django_db(transaction=True)
def test_a_progress_bar_is_drawn_on_a_terminal_only(site: Path, tmp_path: Path) -> None:
    recipient = vault.generate_keypair().recipient
    terminal, log = Terminal(), io.StringIO()
    write_backup(tmp_path / "a.age", [recipient], stderr=terminal)
    write_backup(tmp_path / "b.age", [recipient], stderr=log)
    assert "\r" in terminal.getvalue() and "100%" in terminal.getvalue() and "Backing up" in terminal.getvalue()
    assert log.getvalue() == ""
