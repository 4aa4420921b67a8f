"""The SQLite backend's connection reuse (community/site/db_backends/sqlite3)."""

import threading

import pytest
from django.db import connections

from community.site.db_backends.sqlite3 import base


@pytest.fixture
def database(tmp_path, django_db_blocker):
    """A wrapper of the site's SQLite settings on a file of the test's own."""
    settings = {**connections["default"].settings_dict, "NAME": str(tmp_path / "pool.sqlite3")}
    if settings["ENGINE"] != "community.site.db_backends.sqlite3":
        pytest.skip("the embedded default's backend only")
    wrappers = []

    def make(*, own_thread=False):
        wrapper = base.DatabaseWrapper(settings, alias=f"pool-{len(wrappers)}")
        if not own_thread:  # else the thread that made it closes it
            wrappers.append(wrapper)
        return wrapper

    with django_db_blocker.unblock():
        yield make
        for wrapper in wrappers:
            wrapper.close()


def raw(wrapper):
    wrapper.ensure_connection()
    return wrapper.connection


def test_a_closed_connection_is_reused_by_the_next_one(database):
    first = database()
    opened = raw(first)
    with first.cursor() as cursor:
        cursor.execute("CREATE TABLE note (body TEXT)")
    first.close()
    second = database()
    assert raw(second) is opened
    with second.cursor() as cursor:  # the pragmas are still in force
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone() == (1,)


def test_threads_share_the_pool(database):
    first = database()
    opened = raw(first)
    first.close()
    seen = []

    def elsewhere():
        wrapper = database(own_thread=True)
        seen.append(raw(wrapper) is opened)
        wrapper.close()

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert seen == [True]


def test_a_connection_closed_in_a_transaction_is_not_kept(database):
    first = database()
    opened = raw(first)
    with first.cursor() as cursor:
        cursor.execute("CREATE TABLE note (body TEXT)")
    first.set_autocommit(False)
    with first.cursor() as cursor:
        cursor.execute("INSERT INTO note VALUES ('unfinished')")
    assert opened.in_transaction
    first.close()
    assert raw(database()) is not opened


def test_the_pool_is_bounded_and_per_process(database, monkeypatch):
    monkeypatch.setattr(base, "POOL_SIZE", 2)
    wrappers = [database() for _ in range(3)]
    opened = [raw(wrapper) for wrapper in wrappers]
    for wrapper in wrappers:
        wrapper.close()
    pool = base.pool_for(wrappers[0].settings_dict["NAME"])
    assert pool.idle == opened[:2]  # the third was really closed
    pool.pid = -1  # as a child process sees its parent's pool after a fork
    assert raw(database()) not in opened
