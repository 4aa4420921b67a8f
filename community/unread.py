"""Unread counts shown to a member (GET /me), contributed by the apps that own them.

The forums app adds "threads", notifications add "notifications": community
must not import the apps built on it, so they register their counter here
from their ``ready()``.
"""

_counters = {}


def register(name, count):
    """Add ``count(user) -> int`` under ``name``. Call once per name, from AppConfig.ready()."""
    _counters[name] = count


def counts(user):
    return {name: count(user) for name, count in _counters.items()}


def count(name, user):
    """One counter alone (0 if no app registered ``name``): the header needs only one."""
    counter = _counters.get(name)
    return counter(user) if counter is not None else 0
