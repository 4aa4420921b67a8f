"""The activity ledger's write side and the domain events it delivers.

Every action appends one entry per thing that happened (``record``), under a
verb that the app owning it declared once (``declare``) from its
``AppConfig.ready()``: the verb's name, the model of its object, the keys its
data carries. Recording an undeclared verb, with the wrong kind of object or
other keys, is a programming error and raises, as publishing an undeclared
stream event does (``realtime.events``).

Once the writing transaction commits, each entry is delivered to the receivers
connected to its verb (``connect``), in the order they connected; a rollback
delivers nothing. A receiver runs after the commit, outside any transaction; if
it raises, the error is logged and the other receivers still run: the write
stands. A slow receiver connects with ``background=True`` and runs in a
background task (django-tasks), given a copy of the entry that needs no query.

Withdrawals are entries too (a reaction removed, a vote withdrawn, a post
deleted), so whatever is rebuilt from the ledger can go down as well as up.
The ledger is append-only: see ``community.models.Activity``.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core import checks
from django.db import transaction
from django.utils.dateparse import parse_datetime
from django_tasks import task

from community.models import Activity

logger = logging.getLogger(__name__)

ANY = "*"  # connect to every verb


@dataclass(frozen=True)
class Verb:
    """One kind of entry. ``object`` is the model label (``"forums.post"``) of what the
    entry is about, or None; ``keys`` are the data keys every entry carries and
    ``optional`` the ones it may carry."""

    name: str
    object: str | None
    keys: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    doc: str = field(default="", compare=False)
    # A moderation verb: its entries make up a community's audit log (who sanctioned,
    # hid, moved, configured what). Set by the app that declares the verb.
    audit: bool = False


_verbs: dict[str, Verb] = {}
_receivers: dict[str, list[tuple[Callable, bool]]] = {}


def declare(*verbs):
    """Declare the verbs an app records. Call from its AppConfig.ready()."""
    for verb in verbs:
        known = _verbs.get(verb.name)
        if known is not None and known != verb:
            raise ValueError(f"Activity verb {verb.name!r} is already declared differently.")
        _verbs[verb.name] = verb


def verbs():
    """Every declared verb, by name."""
    return dict(_verbs)


def audited():
    """The names of the moderation verbs (``Verb.audit``): the audit log's entries."""
    return sorted(name for name, verb in _verbs.items() if verb.audit)


def connect(verbs, receiver=None, *, background=False):
    """Deliver the entries of ``verbs`` (a name, names, or ``ANY``) to ``receiver(entry)``.

    Usable as a decorator. Call from AppConfig.ready(); connecting the same receiver
    twice to a verb connects it once.
    """
    names = [verbs] if isinstance(verbs, str) else list(verbs)

    def add(func):
        for name in names:
            connected = _receivers.setdefault(name, [])
            if all(existing is not func for existing, _background in connected):
                connected.append((func, background))
        return func

    return add(receiver) if receiver is not None else add


def disconnect(receiver):
    """Stop delivering to ``receiver`` (tests connect and disconnect their own)."""
    for name, connected in _receivers.items():
        _receivers[name] = [(func, bg) for func, bg in connected if func is not receiver]


def record(verb, *, actor=None, community=None, target_user=None, obj=None, **data):
    """Append one entry; call inside the action's transaction.

    ``target_user`` is the member the entry is about (a user or a user id): the one who
    was banned, whose post got a reaction. The entry keeps ``obj`` in memory for the
    receivers of this process (``entry.obj``).
    """
    declared = _verbs.get(verb)
    if declared is None:
        raise ValueError(f"Undeclared activity verb {verb!r}: declare it in its app's verbs.")
    label = obj._meta.label_lower if obj is not None else None
    if label != declared.object:
        raise ValueError(f"Activity {verb!r} is about {declared.object}, not {label}.")
    missing = set(declared.keys) - set(data)
    unknown = set(data) - set(declared.keys) - set(declared.optional)
    if missing or unknown:
        raise ValueError(
            f"Activity {verb!r}: missing {sorted(missing)}, unknown {sorted(unknown)}."
        )
    entry = Activity.objects.create(
        verb=verb,
        actor=actor if actor is not None and actor.is_authenticated else None,
        community=community,
        **(
            {"target_user": target_user}
            if hasattr(target_user, "pk")
            else {"target_user_id": target_user}
        ),
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=obj.pk if obj is not None else None,
        data=data,
    )
    entry.obj = obj
    transaction.on_commit(lambda: deliver(entry))
    return entry


def deliver(entry):
    """Hand a committed entry to its receivers; one's failure stops none of the others."""
    for receiver, background in [*_receivers.get(entry.verb, ()), *_receivers.get(ANY, ())]:
        try:
            if background:
                deliver_later.enqueue(_name(receiver), _portable(entry))
            else:
                receiver(entry)
        except Exception:
            logger.exception(
                "Activity receiver %s failed on %s #%s", _name(receiver), entry.verb, entry.pk
            )


@task()
def deliver_later(receiver, entry):
    """Run one background receiver on a copy of an entry (see ``deliver``)."""
    by_name = {_name(func): func for connected in _receivers.values() for func, _bg in connected}
    if receiver not in by_name:
        raise LookupError(f"No activity receiver named {receiver!r} is connected.")
    return by_name[receiver](_entry(entry))


def _name(func):
    return f"{func.__module__}.{func.__qualname__}"


_FIELDS = ("id", "verb", "actor_id", "community_id", "target_user_id", "object_type", "object_id")


def _portable(entry):
    return {
        **{name: getattr(entry, name) for name in _FIELDS},
        "created_at": entry.created_at.isoformat(),
        "data": entry.data,
    }


def _entry(portable):
    fields = dict(portable, created_at=parse_datetime(portable["created_at"]))
    entry = Activity(**fields)
    entry._state.adding = False
    entry._state.db = "default"
    entry.obj = None
    return entry


@checks.register()
def check_receivers(app_configs, **kwargs):
    """Every receiver listens to a declared verb (a typo would never be delivered)."""
    return [
        checks.Error(
            f"Activity receivers are connected to {name!r}, which no app declares.",
            hint="Declare it with community.activity.declare() from the owning app's ready().",
            id="community.E010",
        )
        for name, connected in _receivers.items()
        if connected and name != ANY and name not in _verbs
    ]
