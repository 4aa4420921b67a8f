"""The forums app's WebSocket streams (one per thread, readable by whoever reads its
community) and the events the forums publish on their streams and on `me`."""

from community import permissions
from community.validators import parse_int
from forums.models import Thread
from forums.permissions import can_see_thread
from realtime import events, streams
from realtime.events import EventType


def may_read_thread(user, key):
    thread_id = parse_int(key, minimum=1)  # bounded: "9" * 5000 is no id, not a crash
    if thread_id is None:
        return False
    thread = Thread.objects.select_related("community").filter(pk=thread_id).first()
    if thread is None or not permissions.can_read(user, thread.community):
        return False
    if not can_see_thread(user, thread):  # held: its author and moderators; hidden: moderators
        return False
    return thread.community.slug  # re-checked when the community's audience changes


streams.register("thread", may_read_thread, presence=True)

THREAD_KEYS = ("id", "community", "kind", "title", "state")
events.declare(
    # A community's thread list: a thread opened, or changed (reply, vote, solved...).
    EventType("thread.created", "community", THREAD_KEYS),
    EventType("thread.updated", "community", THREAD_KEYS),
    # It left the list: hidden, merged, or moved to another community.
    EventType("thread.removed", "community", THREAD_KEYS),
    # A thread's posts.
    EventType("post.created", "thread", ("id", "thread", "number", "author", "html")),
    EventType("post.edited", "thread", ("id", "thread", "number", "html")),
    EventType("post.deleted", "thread", ("id", "thread", "number")),
    EventType("post.reacted", "thread", ("id", "thread", "reactions")),
    # Moderation: a post hidden (a placeholder, no text) or shown again; replies split off.
    EventType("post.hidden", "thread", ("id", "thread", "number", "status")),
    EventType("post.restored", "thread", ("id", "thread", "number", "html", "status")),
    EventType("post.moved", "thread", ("id", "thread", "to", "url")),
    # The thread was merged into another: open pages go there.
    EventType("thread.merged", "thread", ("id", "into", "url")),
    # The thread itself changed: solved, locked, pinned, idea status, votes, poll.
    EventType("thread.changed", "thread", THREAD_KEYS),
    # A member's own notifications.
    EventType("notification.created", "me", ("id", "kind", "thread", "title", "community")),
)
