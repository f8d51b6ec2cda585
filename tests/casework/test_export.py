"""An exported tip opens with Debian's `age` binary alone, for the reviewer and the offline key."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile

import pytest
from django.utils import timezone

from clarion import vault
from clarion.accounts.keys import unlock_identity
from clarion.casework.export import write_export
from clarion.intake.actions import blob_store
from clarion.intake.models import KeyWrap, Message, Tip
from tests.conftest import require_tool
from tests.intake.helpers import source_browser, submit


@pytest.fixture
def exported(tmp_path, channel, reviewer):
    # Given a tip with a file and a reviewer's reply, exported by the reviewer with an offline key set
    submit(source_browser(), channel, files=[("brake-log.csv", b"date,fault\n2026-03-01,brakes\n")])
    tip = Tip.objects.get()
    Message.objects.create(
        tip=tip,
        author=Message.Author.REVIEWER,
        created_at=timezone.now(),
        body=vault.encrypt(b"Which shift was it?", [tip.conversation_public_key]),
    )
    identity = unlock_identity(reviewer.key_custody, "correct horse battery staple")
    wrap = KeyWrap.objects.get(tip=tip, user=reviewer)
    tip_identities = vault.unwrap_secrets(bytes(wrap.wrapped), [identity.identity])
    offline = vault.generate_keypair()
    buffer = io.BytesIO()
    write_export(
        buffer,
        tip=tip,
        reference="T-TEST",
        tip_identities=tip_identities,
        recipients=[identity.recipient, offline.recipient],
        store=blob_store(),
        notes=[vault.encrypt(b"Check the maintenance log.", [tip.case_public_key])],
    )
    folder = tmp_path / "export"
    zipfile.ZipFile(buffer).extractall(folder)
    return folder, identity, offline


def age_decrypt(age: str, identity_file, encrypted) -> bytes:  # noqa: ANN001
    result = subprocess.run([age, "-d", "-i", str(identity_file), str(encrypted)], capture_output=True, check=True)
    return result.stdout


@pytest.mark.parametrize("holder", ["reviewer", "offline"])
def test_the_export_opens_with_the_age_binary_alone(exported, tmp_path, holder):
    age = require_tool("age", "exports are checked with the standard age tool")
    folder, reviewer_key, offline_key = exported
    my_key = tmp_path / "my-key.txt"
    my_key.write_text((reviewer_key if holder == "reviewer" else offline_key).identity + "\n")

    tip_keys = tmp_path / "tip-keys.txt"
    tip_keys.write_bytes(age_decrypt(age, my_key, folder / "keys.age"))
    answers = json.loads(age_decrypt(age, tip_keys, folder / "answers.age"))
    names = json.loads(age_decrypt(age, tip_keys, folder / "files.json.age"))
    (reply,) = sorted((folder / "messages").iterdir())
    (note,) = sorted((folder / "notes").iterdir())

    assert answers["message"] == "The forklift brakes fail."
    assert names[0]["name"] == "brake-log.csv"
    assert age_decrypt(age, tip_keys, folder / names[0]["file"]) == b"date,fault\n2026-03-01,brakes\n"
    assert age_decrypt(age, tip_keys, reply) == b"Which shift was it?"
    assert age_decrypt(age, tip_keys, note) == b"Check the maintenance log."
    assert "age -d -i my-key.txt" in (folder / "README.txt").read_text()


def test_nothing_in_the_export_but_the_readme_is_plaintext(exported):
    folder, _, _ = exported

    for path in folder.rglob("*"):
        if path.is_file() and path.name != "README.txt":
            content = path.read_bytes()
            assert content.startswith(b"age-encryption.org/v1\n"), path
            for secret in [b"brake", b"forklift", b"AGE-SECRET-KEY", b"shift", b"maintenance"]:
                assert secret not in content, (path, secret)
