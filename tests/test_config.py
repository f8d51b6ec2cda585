"""Configuration comes from the environment only; generated secrets are private to the server."""

from __future__ import annotations

import io
import json
import stat
import subprocess
import sys

import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from clarion import config
from tests.support.database_template import migrated_sqlite_file


def test_data_folder_and_generated_secret_are_private(tmp_path, monkeypatch):
    monkeypatch.setenv("CLARION_DATA_DIR", str(tmp_path / "data"))

    first = config.generated_secret("django_secret_key")
    second = config.generated_secret("django_secret_key")

    assert first == second and len(first) == 64
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "data" / "keys" / "django_secret_key").stat().st_mode) == 0o600


def test_malformed_values_are_refused_with_the_variable_named(monkeypatch):
    monkeypatch.setenv("CLARION_MAX_FILES", "ten")
    with pytest.raises(config.ConfigError, match="CLARION_MAX_FILES must be a whole number"):
        config.env_int("CLARION_MAX_FILES")
    monkeypatch.setenv("CLARION_HTTPS", "maybe")
    with pytest.raises(config.ConfigError, match="CLARION_HTTPS must be true or false"):
        config.env_bool("CLARION_HTTPS")


def test_config_command_lists_every_variable_with_its_default_and_meaning():
    out = io.StringIO()

    call_command("config", stdout=out)

    rows = out.getvalue().splitlines()
    assert rows[:2] == ["| variable | default | meaning |", "|---|---|---|"]
    assert any(row.startswith("| `CLARION_MAX_FILES` | `10` | ") for row in rows)
    assert len(rows) == 2 + len(config.VARIABLES)
    for variable in config.VARIABLES.values():
        row = next((line for line in rows if line.startswith(f"| `{variable.name}` |")), None)
        assert row is not None, f"{variable.name} is missing"
        default = f"`{variable.default}`" if variable.default is not None else "unset"
        assert row == f"| `{variable.name}` | {default} | {variable.help} |"


def test_https_mode_uses_host_prefixed_secure_cookies_and_hsts(tmp_path):
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='clarion.settings'; django.setup();"
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_NAME, s.SOURCE_SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE,"
        " s.SECURE_HSTS_SECONDS)"
    )
    env = {"CLARION_DATA_DIR": str(tmp_path), "CLARION_HTTPS": "true", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=config.BASE_DIR
    )

    assert out.stdout.split() == [
        "__Host-clarion-staff",
        "__Host-clarion-source",
        "__Host-clarion-csrf",
        "True",
        "63072000",
    ]


def test_production_configuration_passes_the_deployment_checks(tmp_path):
    env = {"CLARION_DATA_DIR": str(tmp_path), "CLARION_HTTPS": "true", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "clarion", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        cwd=config.BASE_DIR,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_production_static_files_are_collected_fingerprinted_and_served(tmp_path):
    # Given the production settings (whitenoise's manifest storage), after `collectstatic`
    code = (
        "import django, os, re; os.environ['DJANGO_SETTINGS_MODULE']='clarion.settings'; django.setup();"
        "from django.core.management import call_command;"
        "call_command('collectstatic', interactive=False, verbosity=0); call_command('migrate', verbosity=0);"
        "from django.test import Client; page = Client(SERVER_NAME='localhost').get('/tip/');"
        "css = re.search(r'href=\"(/static/clarion/clarion\\.[0-9a-f]{12}\\.css)\"', page.content.decode()).group(1);"
        "sheet = Client(SERVER_NAME='localhost').get(css);"
        "import json; print(json.dumps([page.status_code, sheet.status_code, dict(sheet.headers)]))"
    )
    env = {"CLARION_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    migrated_sqlite_file(tmp_path / "clarion.sqlite3", migrate=lambda: None)  # else `migrate` above makes it

    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=config.BASE_DIR)

    # Then a source page links the fingerprinted stylesheet, served with a long lifetime
    assert result.returncode == 0, result.stderr[-3000:]
    page_status, sheet_status, headers = json.loads(result.stdout)
    assert (page_status, sheet_status) == (200, 200)
    assert "max-age=315360000" in headers["Cache-Control"] and "immutable" in headers["Cache-Control"]
    # And for this origin only, with its charset (ASVS 4.1.1)
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "Access-Control-Allow-Origin" not in headers
    assert headers["Content-Type"].replace('"', "") == "text/css; charset=utf-8"


def test_database_and_keys_created_by_clarion_are_private_files(tmp_path):
    env = {"CLARION_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}

    # Any command that opens the database makes it and the keys (the checks of the database do)
    subprocess.run(
        [sys.executable, "-m", "clarion", "check", "--database", "default", "-v0"],
        env=env,
        check=True,
        cwd=config.BASE_DIR,
        capture_output=True,
    )

    assert (tmp_path / "clarion.sqlite3").exists()
    for path in [*tmp_path.glob("clarion.sqlite3*"), *(tmp_path / "keys").iterdir()]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_email_url_becomes_smtp_settings_and_a_bad_one_is_named():
    smtp = config.email_settings("smtp://alerts%40union.org:s3cret@mail.union.org:587?tls=true")

    assert smtp["EMAIL_HOST"] == "mail.union.org"
    assert (smtp["EMAIL_PORT"], smtp["EMAIL_USE_TLS"], smtp["EMAIL_USE_SSL"]) == (587, True, False)
    assert (smtp["EMAIL_HOST_USER"], smtp["EMAIL_HOST_PASSWORD"]) == ("alerts@union.org", "s3cret")
    assert config.email_settings(None)["EMAIL_BACKEND"].endswith("console.EmailBackend")
    with pytest.raises(config.ConfigError, match="EMAIL_URL must look like"):
        config.email_settings("mailto:someone")


# --- links to other servers: TLS, or an explicit opt-in (ASVS 12.1.1, 12.3.1) ------------------


def start(tmp_path, **variables: str) -> subprocess.CompletedProcess:
    """Run `python -m clarion check` with the variables, as a server would start; return the result."""
    env = {"CLARION_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", **variables}
    return subprocess.run(
        [sys.executable, "-m", "clarion", "check"], env=env, capture_output=True, text=True, cwd=config.BASE_DIR
    )


def test_plaintext_smtp_is_refused_at_start_with_the_fix_named_and_the_password_kept_out(tmp_path):
    # Given an EMAIL_URL without TLS, as the README's example was before it said ?tls=true
    result = start(tmp_path, EMAIL_URL="smtp://alerts:pw-4d1c9e@mail.union.org:25")

    # Then Clarion does not start, and says why and what to write instead, in one plain message
    assert result.returncode != 0
    assert "EMAIL_URL" in result.stderr and "without TLS" in result.stderr
    assert "?tls=true" in result.stderr and "smtps://" in result.stderr
    assert "CLARION_ALLOW_PLAINTEXT=email" in result.stderr
    assert "Traceback" not in result.stderr
    assert "pw-4d1c9e" not in result.stdout + result.stderr


def test_plaintext_smtp_starts_only_when_explicitly_allowed(tmp_path):
    result = start(tmp_path, EMAIL_URL="smtp://127.0.0.1:2525", CLARION_ALLOW_PLAINTEXT="email")

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("url", "starttls", "ssl"),
    [
        ("smtp://mail.union.org:587?tls=true", True, False),
        ("smtp://mail.union.org:465?ssl=true", False, True),
        ("smtps://mail.union.org", False, True),
    ],
)
def test_smtp_with_starttls_or_implicit_tls_is_accepted(url, starttls, ssl):
    smtp = config.email_settings(url)

    assert (smtp["EMAIL_USE_TLS"], smtp["EMAIL_USE_SSL"]) == (starttls, ssl)


def test_plaintext_smtp_is_refused_even_to_this_machine_unless_allowed():
    with pytest.raises(config.ConfigError, match="EMAIL_URL sends mail without TLS"):
        config.email_settings("smtp://127.0.0.1:25")
    with pytest.raises(config.ConfigError, match="EMAIL_URL sends mail without TLS"):
        config.email_settings("smtp://mail.union.org:587?tls=no")

    allowed = config.email_settings("smtp://127.0.0.1:25", allow_plaintext=True)
    assert (allowed["EMAIL_USE_TLS"], allowed["EMAIL_USE_SSL"]) == (False, False)


def test_starttls_and_implicit_tls_together_are_refused_as_contradictory():
    with pytest.raises(config.ConfigError, match="either"):
        config.email_settings("smtps://mail.union.org?tls=true")


@pytest.mark.parametrize(
    "url",
    [
        "postgres://clarion@db.union.org:5432/clarion",
        "postgres://clarion@10.0.0.5/clarion?sslmode=prefer",
        "postgres://clarion@db.union.org/clarion?sslmode=disable",
    ],
)
def test_a_database_on_another_host_without_tls_is_refused_at_start(tmp_path, url):
    result = start(tmp_path, DATABASE_URL=url)

    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr and "sslmode=verify-full" in result.stderr
    assert "CLARION_ALLOW_PLAINTEXT=database" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("postgres://clarion@db.union.org/clarion?sslmode=verify-full", ""),
        ("postgres://clarion@db.union.org/clarion?sslmode=require", ""),
        ("postgres://postgres@127.0.0.1:5432/clarion", ""),
        ("postgres://postgres@localhost/clarion", ""),
        ("postgres://postgres@[::1]/clarion", ""),
        ("postgres://%2Fvar%2Frun%2Fpostgresql/clarion", ""),
        ("postgres://clarion@db.union.org/clarion", "database"),
    ],
)
def test_a_database_over_tls_on_this_machine_or_explicitly_allowed_is_accepted(url, allowed):
    config.refuse_plaintext_database(url, allow_plaintext=allowed == "database")


@pytest.mark.parametrize(
    ("url", "allowed", "refused"),
    [
        ("redis://cache.union.org:6379/0", False, True),
        ("redis://10.0.0.7:6379/0", False, True),
        ("rediss://cache.union.org:6380/0", False, False),
        ("redis://127.0.0.1:6379/0", False, False),
        ("unix:///run/redis/redis.sock", False, False),
        ("redis://cache.union.org:6379/0", True, False),
    ],
)
def test_a_cache_on_another_host_needs_rediss_or_an_explicit_opt_in(url, allowed, refused):
    if refused:
        with pytest.raises(config.ConfigError, match=r"CACHE_URL .*rediss://.*CLARION_ALLOW_PLAINTEXT=cache"):
            config.refuse_plaintext_cache(url, allow_plaintext=allowed)
    else:
        config.refuse_plaintext_cache(url, allow_plaintext=allowed)


def test_only_known_links_may_be_allowed_in_plaintext(monkeypatch):
    monkeypatch.setenv("CLARION_ALLOW_PLAINTEXT", "email, smtp")

    with pytest.raises(config.ConfigError, match="CLARION_ALLOW_PLAINTEXT.*smtp.*email, database, cache"):
        config.plaintext_links_allowed()


@given(address=st.ip_addresses())
def test_any_address_off_this_machine_needs_tls_and_any_loopback_address_does_not(address):
    host = f"[{address}]" if address.version == 6 else str(address)
    urls = {
        "database": lambda: config.refuse_plaintext_database(f"postgres://clarion@{host}:5432/clarion"),
        "cache": lambda: config.refuse_plaintext_cache(f"redis://{host}:6379/0"),
    }
    for link, connect in urls.items():
        if address.is_loopback:
            connect()
        else:
            with pytest.raises(config.ConfigError, match=f"CLARION_ALLOW_PLAINTEXT={link}"):
                connect()


def test_the_site_address_is_unset_or_a_full_address_and_anything_else_is_refused():
    assert config.site_address(None) == ""
    assert config.site_address("https://tips.example.org/") == "https://tips.example.org"
    assert config.site_address("http://127.0.0.1:8102") == "http://127.0.0.1:8102"
    for wrong in ("tips.example.org", "ftp://tips.example.org", "https://tips.example.org/?x=1", "https://"):
        with pytest.raises(config.ConfigError, match="CLARION_SITE_URL"):
            config.site_address(wrong)
