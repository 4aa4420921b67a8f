"""Screens: what other code checks in a message before the forums write it (a registry).

The forums' write path (``forums.actions``: a new thread, a reply, an edit) hands
every message to the registered screens before its transaction, as a ``Draft``. A
screen may

- refuse it: raise ``community.errors.Forbidden`` with a clear message (a watched
  word that blocks, a silenced member, a posting rate exceeded: give that one a
  ``retry_after`` in seconds, see ``community.errors``);
- change its text (``draft.body``, ``draft.title``: a watched word replaced);
- hold it for review (``draft.hold.append(reason)``): the thread or post is written
  with ``Status.HELD``, seen only by its author and the community's moderators, and
  published when a moderator approves it;
- have it reviewed once published (``draft.flag.append(reason)``).

Screens decide for themselves whom they spare (moderators, staff). Once the thread
or post is written, still inside the transaction, each ``after`` hook is called with
the draft and what was written, so that a hold or a flag reaches the review queue
with the write, or not at all. Moderation registers both from its ``ready()``;
the forums import nothing of it.

An edit is screened too; a hold asked for an edit is turned into a flag (the post
stays visible while it is reviewed), since an edit must not make a post vanish from
a conversation that has already answered it.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

THREAD, REPLY, EDIT = "thread", "reply", "edit"


@dataclass
class Draft:
    """A message about to be written. ``thread`` is set for a reply or an edit,
    ``post`` for an edit; ``kind`` is the new thread's kind."""

    actor: object
    community: object
    what: str
    body: str
    title: str = ""
    kind: str = ""
    thread: object = None
    post: object = None
    hold: list[str] = field(default_factory=list)
    flag: list[str] = field(default_factory=list)

    @property
    def held(self):
        return bool(self.hold) and self.what != EDIT


_screens: list[Callable] = []
_after: list[Callable] = []


def register(screen=None, *, after=None):
    """Add ``screen(draft)`` and/or ``after(draft, written)`` (a Thread or a Post)."""
    if screen is not None and screen not in _screens:
        _screens.append(screen)
    if after is not None and after not in _after:
        _after.append(after)


def screen(draft):
    """Run every screen on ``draft`` (they may raise to refuse it) and return it."""
    for check in _screens:
        check(draft)
    if draft.what == EDIT and draft.hold:
        draft.flag.extend(draft.hold)
        draft.hold = []
    return draft


def written(draft, obj):
    """Tell the ``after`` hooks what was written; call inside the writing transaction.

    A hook that raises undoes the write: a held message that could not reach the queue
    must not be kept where nobody would ever review it.
    """
    for hook in _after:
        hook(draft, obj)
