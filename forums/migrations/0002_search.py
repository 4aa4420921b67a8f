"""Forum search: FTS5 tables and triggers on SQLite, tsvector side tables on PostgreSQL.

No model field changes: the schema lives in ``forums.search`` (``install`` /
``uninstall``), which branches on the database vendor and indexes the posts
already there (``docs/search.md``). On SQLite it creates ``forums_post_fts``
and ``forums_thread_fts`` and their triggers; on PostgreSQL the ``unaccent``
extension, the ``forums_search`` text search configuration, the side tables
``forums_post_search`` and ``forums_thread_search`` with their triggers and
GIN indexes. Reversing drops all of it (the extension stays).

Backfilling takes a while on a big site (see ``bench/search.py``: the index
build time) and blocks writes to posts meanwhile.

It also depends on ``0002_polls_read_state`` only so that the two migrations
written side by side form one line instead of two leaf nodes; search needs
nothing from it.
"""

from django.db import migrations


def install(apps, schema_editor):
    from forums import search

    search.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    from forums import search

    search.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("forums", "0001_initial"),
        ("forums", "0002_polls_read_state"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
