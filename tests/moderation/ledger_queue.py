"""Every verb of flags and the review queue (forums/moderation/queue/setup.py VERBS),
performed through its action: called by tests/test_domain_events.py."""

from forums.moderation.queue import actions, flags
from forums.moderation.queue.models import QueueItem


def every_queue_action(staff, make_user, club):
    """Flag, claim, approve, reject and configure: ``staff`` acting in ``club`` (public)."""
    from community import actions as community_actions
    from forums import actions as forum_actions

    author, flagger = make_user(), make_user()
    community_actions.join(author, club)
    community_actions.join(flagger, club)
    thread = forum_actions.create_thread(author, club, kind="discussion", title="Q", body="One")
    first = forum_actions.reply(author, thread, body="Two")
    second = forum_actions.reply(author, thread, body="Three")
    flags.flag_post(flagger, first, reason="spam")  # flag.created
    flags.flag_thread(flagger, thread, reason="other", note="Wrong place")
    item = QueueItem.objects.get(post=first, state="open")
    actions.claim(staff, item)  # queue.claimed
    actions.approve(staff, item, reason="Fine")  # queue.approved
    flags.flag_post(flagger, second, reason="abuse")
    actions.reject(staff, QueueItem.objects.get(post=second, state="open"), reason="Rude")
    actions.configure(staff, club, hide_threshold=4, claim_minutes=15)  # queue.configured
