"""Tell whether the database schema matches the code: `serve` and `doctor` refuse or warn on a gap.

Threat: after an upgrade, code that expects a column the database lacks fails on the first tip
(a 500 to a source, a submission lost) rather than at start, where the operator is watching.
"""

from __future__ import annotations

from django.db import connections
from django.db.migrations.executor import MigrationExecutor


def unapplied_migrations(database: str = "default") -> list[str]:
    """Return the migrations the code has and the database lacks, as "app.name", in the order they apply."""
    executor = MigrationExecutor(connections[database])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]
