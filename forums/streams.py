"""The forums app's WebSocket streams: one per thread, readable by whoever reads its community."""

from community import permissions
from forums.models import Thread
from realtime import streams


def may_read_thread(user, key):
    if not key.isdecimal():
        return False
    thread = Thread.objects.select_related("community").filter(pk=int(key)).first()
    if thread is None or not permissions.can_read(user, thread.community):
        return False
    return thread.community.slug  # re-checked when the community's audience changes


streams.register("thread", may_read_thread, presence=True)
