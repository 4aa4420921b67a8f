"""Tuning for a long-lived server process, applied once the site is loaded."""

import gc


def tune_garbage_collector():
    """Keep the collector's pauses short in a process that holds the loaded site.

    What exists when it is called lives as long as the process (Django and the apps
    with their models; in ``community.site.asgi``, also the routing and the URLconf,
    loaded just before), so it leaves the collector's generations; and the youngest
    generation is collected every 50,000 new objects rather than 700. With 2,000
    sockets open, full collections otherwise stopped the process for 230-280 ms, a
    few times a minute while events flowed (bench/README.md, real-time benches,
    "After the hub").
    """
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
