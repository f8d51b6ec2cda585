"""An export opens as its README says, with Debian's `age` alone, by whichever way the reviewer chose.

The reviewer locks the export's keys with an age key they made with `age-keygen` on their
offline machine, with a passphrase (age's scrypt recipient, typed at age's prompt), or with
the organisation's offline key. Each route is checked end to end: the real export page, then
the commands of the README, run with the standard tool.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from clarion.accounts.models import Organisation
from clarion.audit.models import AuditEntry
from tests.support.age_cli import age_decrypt, age_decrypt_with_passphrase, age_keygen
from tests.support.tips import send_tip

PASSPHRASE = "pale anchor seven quiet rivers"
SECRET_FILE = b"date,fault\n2026-03-01,brakes\n"


@pytest.fixture
def sent(channel, reviewer_client):
    """A tip with a file, a reviewer's reply and a note: everything an export carries."""
    sent = send_tip(channel, files=[("brake-log.csv", SECRET_FILE)])
    assert reviewer_client.post(f"{sent.url}reply/", {"message": "Which shift was it?"}).status_code == 302
    assert reviewer_client.post(f"{sent.url}notes/", {"note": "Check the maintenance log."}).status_code == 302
    return sent


def export(client: Client, sent, **fields: str):  # noqa: ANN001, ANN201
    return client.post(f"{sent.url}export/", fields)


def unzip(response, folder: Path) -> Path:  # noqa: ANN001
    assert response.status_code == 200, response.content.decode()[:3000]
    assert response["Content-Type"] == "application/zip"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    zipfile.ZipFile(io.BytesIO(body)).extractall(folder)
    return folder


def assert_opens_with(folder: Path, tip_keys: Path) -> None:
    """Open everything with the tip's keys, as step 2 of the README says."""
    answers = json.loads(age_decrypt(folder / "answers.age", tip_keys))
    names = json.loads(age_decrypt(folder / "files.json.age", tip_keys))
    (reply,) = sorted((folder / "messages").iterdir())
    (note,) = sorted((folder / "notes").iterdir())
    assert answers["message"] == "The forklift brakes fail."
    assert names[0]["name"] == "brake-log.csv"
    assert age_decrypt(folder / names[0]["file"], tip_keys) == SECRET_FILE
    assert age_decrypt(reply, tip_keys) == b"Which shift was it?"
    assert age_decrypt(note, tip_keys) == b"Check the maintenance log."
    assert reply.name == "0001-reviewer.age"


def test_an_export_locked_to_a_key_made_with_age_keygen_opens_with_that_key(reviewer_client, sent, tmp_path):
    # Given a key pair the reviewer made on their offline machine
    my_key = tmp_path / "offline" / "my-key.txt"
    my_key.parent.mkdir()
    public_key = age_keygen(my_key)

    # When they export the tip to its public key, pasted as age-keygen printed it
    folder = unzip(export(reviewer_client, sent, route="key", public_key=f"Public key: {public_key}"), tmp_path / "zip")

    # Then the README's commands, run with age, open everything
    readme = (folder / "README.txt").read_text()
    assert public_key in readme
    assert "age -d -i my-key.txt -o tip-keys.txt keys.age" in readme
    tip_keys = tmp_path / "offline" / "tip-keys.txt"
    tip_keys.write_bytes(age_decrypt(folder / "keys.age", my_key))
    assert_opens_with(folder, tip_keys)
    entry = AuditEntry.objects.about(sent.tip).get(action="tip.exported")
    assert public_key in entry.detail


def test_an_export_locked_with_a_passphrase_opens_when_age_asks_for_it(reviewer_client, sent, tmp_path):
    response = export(reviewer_client, sent, route="passphrase", passphrase=PASSPHRASE, passphrase_again=PASSPHRASE)
    folder = unzip(response, tmp_path / "zip")

    readme = (folder / "README.txt").read_text()
    assert "age -d -o tip-keys.txt keys.age" in readme
    tip_keys = tmp_path / "tip-keys.txt"
    status, prompt = age_decrypt_with_passphrase(folder / "keys.age", PASSPHRASE, tip_keys)
    assert status == 0, prompt
    assert_opens_with(folder, tip_keys)
    # And a wrong passphrase opens nothing
    status, _ = age_decrypt_with_passphrase(folder / "keys.age", PASSPHRASE + " no", tmp_path / "wrong.txt")
    assert status != 0


def test_an_export_locked_to_the_organisation_key_opens_with_its_secret_half(reviewer_client, sent, tmp_path):
    # Given an organisation key made offline with age-keygen and registered after the tip came in
    org_key = tmp_path / "org-offline-key.txt"
    Organisation.objects.create(name="Union", offline_public_key=age_keygen(org_key))

    # Then the tip page offers it, chosen from the start
    page = reviewer_client.get(sent.url).content.decode()
    assert chosen_route(page) == "organisation"

    folder = unzip(export(reviewer_client, sent, route="organisation"), tmp_path / "zip")

    assert "age -d -i org-offline-key.txt -o tip-keys.txt keys.age" in (folder / "README.txt").read_text()
    tip_keys = tmp_path / "tip-keys.txt"
    tip_keys.write_bytes(age_decrypt(folder / "keys.age", org_key))
    assert_opens_with(folder, tip_keys)


def test_the_tip_page_explains_each_way_to_lock_an_export(reviewer_client, sent):
    page = reviewer_client.get(sent.url).content.decode()

    assert "age-keygen -o my-key.txt" in page
    assert "age -d -o tip-keys.txt keys.age" in page
    assert "The organisation's offline key: none is registered" in page
    assert 'value="organisation"' not in page


def chosen_route(html: str) -> str:
    (value,) = re.findall(r'<input type="radio" name="route" value="(\w+)"[^>]* checked', html)
    return value


def problems_of(response) -> str:  # noqa: ANN001
    html = response.content.decode()
    assert response.status_code == 400, html[:2000]
    return html.split('id="export-title"', 1)[1]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("age1notakeyatall", "This is not an age public key."),
        ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG", "This is not an age public key."),
        ("", "Paste the public key of the age key you will open the export with."),
    ],
)
def test_a_malformed_public_key_is_refused_keeping_what_was_typed(reviewer_client, sent, typed, message):
    response = export(reviewer_client, sent, route="key", public_key=typed)

    section = problems_of(response)
    assert "Nothing was exported" in section
    assert message in section
    assert f'value="{typed}"' in section or not typed
    assert not AuditEntry.objects.filter(action="tip.exported").exists()


def test_a_secret_key_pasted_by_mistake_is_refused_and_not_shown_back(reviewer_client, sent, tmp_path):
    age_keygen(tmp_path / "k.txt")
    secret = next(line for line in (tmp_path / "k.txt").read_text().splitlines() if line.startswith("AGE-SECRET"))

    response = export(reviewer_client, sent, route="key", public_key=secret)

    assert "This is a secret key" in problems_of(response)
    assert secret not in response.content.decode()
    assert secret.lower() not in response.content.decode()


@pytest.mark.parametrize(
    ("passphrase", "again", "message"),
    [
        ("short words", "short words", "This passphrase is too short: use at least 15 characters"),
        (PASSPHRASE, PASSPHRASE.replace("seven", "eleven"), "The two passphrases differ"),
        ("", "", "Choose a passphrase and type it in both boxes."),
    ],
)
def test_a_short_or_mistyped_passphrase_is_refused_and_never_shown_back(
    reviewer_client, sent, passphrase, again, message
):
    response = export(reviewer_client, sent, route="passphrase", passphrase=passphrase, passphrase_again=again)

    section = problems_of(response)
    assert message in section
    # The choice is kept; the passphrase is not (it must be typed again, twice)
    assert chosen_route(section) == "passphrase"
    html = response.content.decode()
    for typed in {passphrase, again} - {""}:
        assert typed not in html


def test_the_organisation_key_cannot_be_chosen_when_none_is_registered(reviewer_client, sent):
    response = export(reviewer_client, sent, route="organisation")

    assert "no organisation key is registered" in problems_of(response)


def test_the_passphrase_is_never_stored_nor_kept_for_error_reports(reviewer_client, sent, settings):
    response = export(reviewer_client, sent, route="passphrase", passphrase=PASSPHRASE, passphrase_again=PASSPHRASE)

    assert response.status_code == 200
    # Django's error reports leave out what a view marks sensitive.
    assert set(response.wsgi_request.sensitive_post_parameters) == {"passphrase", "passphrase_again"}
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - our own table names
            assert PASSPHRASE not in repr(cursor.fetchall()), table
    assert AuditEntry.objects.get(action="tip.exported").detail == "keys locked with a passphrase"


def test_nothing_in_the_export_but_the_readme_is_plaintext(reviewer_client, sent, tmp_path):
    folder = unzip(
        export(reviewer_client, sent, route="passphrase", passphrase=PASSPHRASE, passphrase_again=PASSPHRASE),
        tmp_path / "zip",
    )

    for path in folder.rglob("*"):
        if path.is_file() and path.name != "README.txt":
            content = path.read_bytes()
            assert content.startswith(b"age-encryption.org/v1\n"), path
            for secret in [b"brake", b"forklift", b"AGE-SECRET-KEY", b"shift", b"maintenance", PASSPHRASE.encode()]:
                assert secret not in content, (path, secret)
