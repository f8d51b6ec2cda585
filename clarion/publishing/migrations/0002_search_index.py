"""The full-text index of published posts: FTS5 with triggers on SQLite, a GIN index on PostgreSQL.

The statements are written out here (not imported) so that this migration keeps doing what
it did when it was written; `clarion/publishing/search.py` queries what it creates.
"""

from django.db import migrations

CREATE = {
    "sqlite": [
        "CREATE VIRTUAL TABLE publishing_search_fts USING fts5(title, summary, body, content='publishing_searchdocument', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
        "CREATE TRIGGER publishing_search_ai AFTER INSERT ON publishing_searchdocument BEGIN INSERT INTO publishing_search_fts(rowid, title, summary, body) VALUES (new.id, new.title, new.summary, new.body); END",
        "CREATE TRIGGER publishing_search_ad AFTER DELETE ON publishing_searchdocument BEGIN INSERT INTO publishing_search_fts(publishing_search_fts, rowid, title, summary, body) VALUES ('delete', old.id, old.title, old.summary, old.body); END",
        "CREATE TRIGGER publishing_search_au AFTER UPDATE ON publishing_searchdocument BEGIN INSERT INTO publishing_search_fts(publishing_search_fts, rowid, title, summary, body) VALUES ('delete', old.id, old.title, old.summary, old.body); INSERT INTO publishing_search_fts(rowid, title, summary, body) VALUES (new.id, new.title, new.summary, new.body); END",
    ],
    "postgresql": [
        "CREATE INDEX publishing_search_gin ON publishing_searchdocument USING GIN ((setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', summary), 'B') || setweight(to_tsvector('english', body), 'C')))"
    ],
}
DROP = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS publishing_search_ai",
        "DROP TRIGGER IF EXISTS publishing_search_ad",
        "DROP TRIGGER IF EXISTS publishing_search_au",
        "DROP TABLE IF EXISTS publishing_search_fts",
    ],
    "postgresql": ["DROP INDEX IF EXISTS publishing_search_gin"],
}


def create_index(apps, schema_editor):
    for statement in CREATE.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def drop_index(apps, schema_editor):
    for statement in DROP.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("publishing", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
