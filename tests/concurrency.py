"""Racing requests for the concurrency tests on PostgreSQL: each in its own thread, with
its own database connection, released at once by a barrier."""

import threading

from django.db import connections

from community.errors import Conflict


def race(workers, *, timeout=60):
    """Run each callable of ``workers`` at once; returns, in order, ``("ok", result)``,
    ``("conflict", code)`` for a ``Conflict``, or ``("error", repr)`` for anything else."""
    barrier = threading.Barrier(len(workers))
    results = [None] * len(workers)

    def run(index, work):
        try:
            barrier.wait(10)
            results[index] = ("ok", work())
        except Conflict as error:
            results[index] = ("conflict", error.code)
        except Exception as error:
            results[index] = ("error", repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return results
