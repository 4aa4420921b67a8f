"""The forums' write path: one function per verb, in a module per topic.

Every change to threads and posts goes through one of these functions: each
checks ``forums.permissions``, writes in one transaction (the thread's row
locked, so post numbers follow commit order), records the activity that KPIs
read, and after commit publishes the real-time event. Views, the API,
consumers, commands and tests call them as ``actions.reply(...)`` (re-exported
here).

- ``threads``: create_thread, accept_answer, set_locked, set_pinned
- ``posts``: reply, edit_post, delete_post
- ``reactions``: react
- ``ideas``: vote, set_idea_status
- ``polls``: vote_poll
- ``reading``: mark_read, watch
- ``uploads``: upload_image
- ``moderation``: hide_post, restore_post, approve_held, reject_held, hide_thread,
  unhide_thread, close_thread, reopen_thread, move_thread, merge_thread, split_thread
- ``_common``: row locks, retried submissions and the events they share

Payload shapes are in ``forums.payloads``, input cleaners in ``forums.validation``.
"""

from forums.actions.ideas import set_idea_status, vote
from forums.actions.moderation import approve_held, hide_post, reject_held, restore_post
from forums.actions.polls import vote_poll
from forums.actions.posts import delete_post, edit_post, reply
from forums.actions.reactions import react
from forums.actions.reading import mark_read, watch
from forums.actions.thread_moderation import (
    close_thread,
    hide_thread,
    merge_thread,
    move_thread,
    reopen_thread,
    set_reasoned,
    split_thread,
    unhide_thread,
)
from forums.actions.threads import accept_answer, create_thread, set_locked, set_pinned
from forums.actions.uploads import upload_image

__all__ = [
    "accept_answer",
    "approve_held",
    "close_thread",
    "create_thread",
    "delete_post",
    "edit_post",
    "hide_post",
    "hide_thread",
    "mark_read",
    "merge_thread",
    "move_thread",
    "react",
    "reject_held",
    "reopen_thread",
    "reply",
    "restore_post",
    "set_idea_status",
    "set_locked",
    "set_pinned",
    "set_reasoned",
    "split_thread",
    "unhide_thread",
    "upload_image",
    "vote",
    "vote_poll",
    "watch",
]
