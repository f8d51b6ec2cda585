"""Migrate the SQLite test database once, then copy it: every later test process starts in a second.

Migrating Clarion and the apps it uses takes seconds per test process (each pytest-xdist
worker makes its own in-memory database). The first process to migrate keeps a copy of the
result in `.pytest_cache/`, named by a hash of every migration file and of Django's version;
later processes copy it into their in-memory database with SQLite's backup API instead of
migrating. A changed, added or removed migration changes the name, so the copy is never stale.
PostgreSQL runs migrate as usual.

`test_migrations.py` still runs every migration backwards and forwards on each run.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import django
from django.apps import apps
from django.conf import settings
from django.db.backends.sqlite3.creation import DatabaseCreation

CACHE_DIR = Path(__file__).resolve().parents[2] / ".pytest_cache" / "clarion-test-database"


def migrations_fingerprint() -> str:
    """Return a hash of every installed app's migration files and of Django's version."""
    digest = hashlib.sha256(django.get_version().encode())
    for config in sorted(apps.get_app_configs(), key=lambda config: config.label):
        folder = Path(config.path) / "migrations"
        for path in sorted(folder.glob("*.py")):
            digest.update(f"\0{config.label}/{path.name}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def migrated_copy() -> Path:
    """Return where the migrated database of the current migrations is kept (it may not exist yet)."""
    return CACHE_DIR / f"{migrations_fingerprint()}.sqlite3"


def _keep(source: sqlite3.Connection, target: Path) -> None:
    """Write `source` to `target` atomically, and drop copies made for other migrations."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
    os.close(fd)
    try:
        with sqlite3.connect(temporary) as copy:
            source.backup(copy)
        copy.close()
        os.replace(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)
    for other in target.parent.glob("*.sqlite3"):
        if other != target:
            other.unlink(missing_ok=True)


def install() -> None:
    """Make SQLite's in-memory test databases come from the kept copy when there is one."""
    original: Callable[..., Any] = DatabaseCreation.create_test_db
    if getattr(original, "clarion_template", False):
        return

    @functools.wraps(original)
    def create_test_db(
        self: DatabaseCreation,
        verbosity: int = 1,
        autoclobber: bool = False,
        serialize: bool = True,
        keepdb: bool = False,
    ) -> str:
        if not self.is_in_memory_db(self._get_test_db_name()):
            return original(self, verbosity, autoclobber, serialize, keepdb)
        kept = migrated_copy()
        if not kept.exists():
            name = original(self, verbosity, autoclobber, serialize, keepdb)
            _keep(self.connection.connection, kept)
            return name
        name = self._get_test_db_name()
        self._create_test_db(verbosity, autoclobber, keepdb)
        self.connection.close()
        settings.DATABASES[self.connection.alias]["NAME"] = name
        self.connection.settings_dict["NAME"] = name
        self.connection.ensure_connection()
        with sqlite3.connect(f"file:{kept}?mode=ro", uri=True) as source:
            source.backup(self.connection.connection)
        source.close()
        if serialize:
            self.connection._test_serialized_contents = self.serialize_db_to_string()
        return name

    create_test_db.clarion_template = True  # type: ignore[attr-defined]
    DatabaseCreation.create_test_db = create_test_db  # type: ignore[method-assign]


def migrated_sqlite_file(target: Path, migrate: Callable[[], object]) -> None:
    """Put a migrated SQLite database at `target`: the kept copy, or else call `migrate()` to make it."""
    kept = migrated_copy()
    if not kept.exists():
        migrate()
        return
    with sqlite3.connect(f"file:{kept}?mode=ro", uri=True) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    source.close()
    copy.close()
