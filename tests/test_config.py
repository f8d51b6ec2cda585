"""Configuration comes from the environment only; generated secrets are private to the server."""

from __future__ import annotations

import json
import stat
import subprocess
import sys

import pytest

from clarion import config


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


def test_readme_lists_every_variable_with_its_default():
    readme = (config.BASE_DIR / "README.md").read_text()

    for variable in config.VARIABLES.values():
        row = next((line for line in readme.splitlines() if line.startswith(f"| `{variable.name}` |")), None)
        assert row is not None, f"{variable.name} is missing from the README"
        if variable.default is not None and variable.name != "CLARION_DATA_DIR":
            assert f"`{variable.default}`" in row, f"{variable.name}'s default differs in the README"


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

    subprocess.run([sys.executable, "-m", "clarion", "migrate", "-v0"], env=env, check=True, cwd=config.BASE_DIR)

    for path in [tmp_path / "clarion.sqlite3", *(tmp_path / "keys").iterdir()]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_email_url_becomes_smtp_settings_and_a_bad_one_is_named():
    smtp = config.email_settings("smtp://alerts%40union.org:s3cret@mail.union.org:587?tls=true")

    assert smtp["EMAIL_HOST"] == "mail.union.org"
    assert (smtp["EMAIL_PORT"], smtp["EMAIL_USE_TLS"], smtp["EMAIL_USE_SSL"]) == (587, True, False)
    assert (smtp["EMAIL_HOST_USER"], smtp["EMAIL_HOST_PASSWORD"]) == ("alerts@union.org", "s3cret")
    assert config.email_settings(None)["EMAIL_BACKEND"].endswith("console.EmailBackend")
    with pytest.raises(config.ConfigError, match="EMAIL_URL must look like"):
        config.email_settings("mailto:someone")
