"""Every verb of curation (forums.moderation.curation.verbs), performed through its action:
called by tests/test_domain_events.py."""

from forums import actions as forum_actions
from forums.moderation.curation import actions


def every_curation_action(staff, make_user, club):
    """Feature and unfeature, create/rename/delete a tag, tag a thread, open a suggested
    thread: ``staff`` acting in ``club`` (a public community), a member opening."""
    from community import actions as community_actions

    member = make_user()
    community_actions.join(member, club)
    thread = forum_actions.create_thread(
        staff, club, kind="question", title="Curated ledger", body="One"
    )
    highlight = actions.feature(staff, thread, note="Worth reading")  # highlight.added
    actions.unfeature(staff, highlight, reason="Done")  # highlight.removed
    tag = actions.create_tag(staff, club, name="Ledger tag")  # tag.created
    actions.rename_tag(staff, tag, name="Ledger label")  # tag.renamed
    actions.set_tags(staff, thread, [tag])  # thread.tagged
    actions.delete_tag(staff, tag)  # tag.deleted
    actions.record_similar_opened(member, thread, query="curated")  # similar.opened
