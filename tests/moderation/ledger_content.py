"""Every verb of content moderation (forums.verbs.MODERATION_VERBS, and pin/lock with a
reason), performed through its action: called by tests/test_domain_events.py."""

from forums import actions, screening
from forums.models import Thread


def every_content_action(staff, make_user, club):
    """Hide/restore a post, approve/refuse held messages, hide/unhide/close/reopen, pin and
    lock, move, merge and split threads: ``staff`` acting in ``club`` (a public community)."""
    from community import actions as community_actions

    author = make_user()
    community_actions.join(author, club)
    thread = actions.create_thread(author, club, kind="discussion", title="Ledger", body="One")
    reply = actions.reply(author, thread, body="Two")
    actions.hide_post(staff, reply, reason="Rude")
    actions.restore_post(staff, reply, reason="Fine after all")

    def hold(draft):
        if draft.actor.pk == author.pk:
            draft.hold.append("review")

    screening.register(hold)
    try:
        held_reply = actions.reply(author, thread, body="Held")
        other_held = actions.reply(author, thread, body="Held too")
        held_thread = actions.create_thread(author, club, kind="discussion", title="H", body="h")
        other_thread = actions.create_thread(author, club, kind="discussion", title="I", body="i")
    finally:
        screening._screens.remove(hold)
    actions.approve_held(staff, held_reply)
    actions.reject_held(staff, other_held, reason="Spam")
    actions.approve_held(staff, held_thread)
    actions.reject_held(staff, other_thread, reason="Spam")

    actions.hide_thread(staff, thread, reason="Check")
    actions.unhide_thread(staff, thread)
    actions.close_thread(staff, thread, reason="Done")
    actions.reopen_thread(staff, thread)
    for verb in ("pin", "unpin", "lock", "unlock"):
        actions.set_reasoned(staff, thread, verb, reason=verb)
    actions.split_thread(staff, thread, posts=[reply], title="Aside")
    elsewhere = community_actions.create_community(
        staff,
        slug=f"{club.slug}-moved",
        name="Moved here",
        kind="discussion",
        visibility="public",
        join_policy="open",
    )
    actions.move_thread(staff, thread, to=elsewhere, reason="Better there")
    thread = Thread.objects.get(pk=thread.pk)
    target = actions.create_thread(staff, elsewhere, kind="discussion", title="Into", body="x")
    actions.merge_thread(staff, thread, into=target, reason="Duplicate")
