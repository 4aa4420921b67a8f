"""The registry of streams a WebSocket client may subscribe to.

``realtime`` imports no domain app: each app declares its streams in its own
``streams.py`` (a name prefix and who may subscribe), registered when the app
is ready, and the consumer only looks them up here.

A stream's public name is what clients send (``thread:42``, ``me``); its
*address* is what the server publishes to (``me`` is per user, so its
address is ``me:<user id>``). ``group_for`` turns an address into a channel
layer group name (letters, digits, ``-``, ``_`` and ``.``, under 100 chars).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

NAME_RE = re.compile(r"^(?P<prefix>[a-z]+)(?::(?P<key>[A-Za-z0-9_-]{1,60}))?$")


class StreamError(Exception):
    """A subscription refused; ``reason`` is sent to the client as is."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class StreamType:
    prefix: str
    # authorize(user, key), called in a thread (it may query the database): false to
    # refuse; true to allow; or the slug of the community the stream belongs to, which
    # lets one message re-check every stream of a community (see ``audience_group``).
    authorize: Callable
    # Streams addressed to the subscriber themselves ("me") take no key.
    personal: bool = False
    # Streams whose subscribers see who else is there and who is writing.
    presence: bool = False


_registry: dict[str, StreamType] = {}


def register(prefix, authorize, *, personal=False, presence=False):
    """Declare a stream type. Call from an app's ``ready()``; once per prefix."""
    if prefix in _registry and _registry[prefix].authorize is not authorize:
        raise ValueError(f"Stream type {prefix!r} is already registered.")
    _registry[prefix] = StreamType(prefix, authorize, personal, presence)


def parse(name):
    """Return (StreamType, key) for a public stream name, or raise StreamError."""
    match = NAME_RE.match(name) if isinstance(name, str) else None
    if not match or match["prefix"] not in _registry:
        raise StreamError("unknown_stream")
    stream_type = _registry[match["prefix"]]
    if stream_type.personal != (match["key"] is None):
        raise StreamError("unknown_stream")
    return stream_type, match["key"]


def address_for(user, name):
    """The address ``name`` stands for, for this user, without asking permission.

    Raises StreamError for a malformed name or a personal stream of nobody.
    """
    stream_type, _key = parse(name)
    if stream_type.personal:
        if not user.is_authenticated:
            raise StreamError("not_authenticated")
        return f"{stream_type.prefix}:{user.pk}"
    return name


@dataclass(frozen=True)
class Grant:
    address: str
    # The community the stream belongs to, if any: its subscribers also listen on
    # ``audience_group(audience)`` for changes of who may read that community.
    audience: str | None = None


def authorize(user, name):
    """Return the Grant for the user to listen to ``name``, or raise StreamError.

    Runs synchronously (the permission check may query the database).
    """
    address = address_for(user, name)
    stream_type, key = parse(name)
    if stream_type.personal:
        return Grant(address)
    allowed = stream_type.authorize(user, key)
    if not allowed:
        # The same answer for "does not exist" and "not yours to see".
        raise StreamError("not_found")
    return Grant(address, allowed if isinstance(allowed, str) else None)


def has_presence(address):
    stream_type = _registry.get(address.split(":", 1)[0])
    return stream_type is not None and stream_type.presence


def public_name(address):
    """The name a subscriber knows the stream at ``address`` by (``me:7`` -> ``me``)."""
    prefix = address.split(":", 1)[0]
    stream_type = _registry.get(prefix)
    return prefix if stream_type is not None and stream_type.personal else address


def group_for(address):
    return "s." + address.replace(":", ".")


def audience_group(slug):
    """The group of every socket on any stream of one community (its thread list, threads...)."""
    return f"a.{slug}"


def user_group(user_id):
    """The group every socket of one user joins, for access changes and logout."""
    return f"u.{user_id}"
