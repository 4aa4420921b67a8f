"""Rate limits per member and action (posting, flagging, reacting, endorsing).

``hit(user, action)`` counts one attempt and raises ``community.errors.RateLimited``
(with ``retry_after`` seconds and a translated message saying how long to wait) once
the member is over any of the action's limits. Limits come from
``settings.RATE_LIMITS`` (``{"post": ["6/m", "60/h"], ...}``; ``N/s``, ``/m``, ``/h``
or ``/d``), with the defaults below for what the settings leave out.

Counters live in the cache (LocMem on the embedded default, Redis on the production
path), one per member, action and *fixed window*: ``cache.add`` creates the counter
with the window's lifetime and ``cache.incr`` bumps it, both atomic on either
backend, so two processes never lose a hit. A fixed window costs one round trip per
limit and allows at most twice a limit across a window's edge; a sliding log would
cost a list per member for little gain here (docs: "Decisions").

Site staff are exempt everywhere; pass ``community`` to exempt that community's
moderators and managers too.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import ngettext

from community.errors import RateLimited

DEFAULT_LIMITS = {
    "post": ("6/m", "60/h"),
    "flag": ("10/m", "50/h"),
    "react": ("30/m", "300/h"),
    "endorse": ("10/m", "60/h"),
}
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse(rate):
    """``"6/m"`` -> ``(6, 60)``; ``"10/5m"`` -> ``(10, 300)``."""
    count, _slash, period = str(rate).partition("/")
    unit = period[-1:]
    if not count.isdigit() or unit not in UNITS:
        raise ValueError(f"Invalid rate {rate!r}: use N/s, N/m, N/h or N/d.")
    multiple = period[:-1]
    return int(count), UNITS[unit] * (int(multiple) if multiple.isdigit() else 1)


def limits_for(action):
    """The (count, seconds) limits of ``action``, from the settings or the defaults."""
    configured = getattr(settings, "RATE_LIMITS", {}) or {}
    rates = configured.get(action, DEFAULT_LIMITS.get(action, ()))
    if isinstance(rates, str):
        rates = (rates,)
    return [parse(rate) for rate in rates]


def exempt(user, community=None):
    from community import permissions

    if permissions.is_staff(user):
        return True
    return community is not None and permissions.can_moderate(user, community)


def wait_message(seconds):
    """How long to wait, for a person: "Try again in 40 seconds." / "... in 12 minutes."."""
    if seconds < 120:
        return ngettext(
            "You are doing this too often. Try again in %(n)d second.",
            "You are doing this too often. Try again in %(n)d seconds.",
            seconds,
        ) % {"n": seconds}
    minutes = -(-seconds // 60)
    return ngettext(
        "You are doing this too often. Try again in %(n)d minute.",
        "You are doing this too often. Try again in %(n)d minutes.",
        minutes,
    ) % {"n": minutes}


def hit(user, action, *, community=None, limits=None, scope=""):
    """Count one ``action`` by ``user``; raise ``RateLimited`` when over a limit.

    ``limits`` (a list of ``(count, seconds)``) replaces the configured ones (a
    community's own limit for newcomers); ``scope`` keeps such counters apart.
    """
    if not getattr(user, "is_authenticated", False) or exempt(user, community):
        return
    now = time.time()
    worst = 0
    for count, seconds in limits if limits is not None else limits_for(action):
        window = int(now // seconds)
        key = f"rl:{action}:{scope}:{user.pk}:{seconds}:{window}"
        if cache.add(key, 1, timeout=seconds + 1):
            used = 1
        else:
            try:
                used = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, timeout=seconds + 1)
                used = 1
        if used > count:
            worst = max(worst, int((window + 1) * seconds - now) + 1)
    if worst:
        raise RateLimited(wait_message(worst), worst)


def reset(user, action, *, scope=""):
    """Forget ``user``'s counters of ``action`` (tests, and a moderator's promotion)."""
    now = time.time()
    for _count, seconds in [*limits_for(action), (0, 3600)]:
        cache.delete(f"rl:{action}:{scope}:{user.pk}:{seconds}:{int(now // seconds)}")
