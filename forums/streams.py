"""The forums app's WebSocket streams: one per thread, readable by whoever reads its community."""

from community import permissions
from community.validators import parse_int
from forums.models import Thread
from realtime import streams


def may_read_thread(user, key):
    thread_id = parse_int(key, minimum=1)  # bounded: "9" * 5000 is no id, not a crash
    if thread_id is None:
        return False
    thread = Thread.objects.select_related("community").filter(pk=thread_id).first()
    if thread is None or not permissions.can_read(user, thread.community):
        return False
    return thread.community.slug  # re-checked when the community's audience changes


streams.register("thread", may_read_thread, presence=True)
