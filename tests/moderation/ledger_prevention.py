"""Every verb prevention declares, through its actions (called by tests/test_domain_events.py)."""

from forums.moderation.prevention import actions


def every_prevention_action(staff, make_user, club):
    from community import actions as community_actions

    member = make_user()
    community_actions.join(member, club)
    actions.update_policy(staff, club, hold_first_posts=1)  # trust.policy_changed
    actions.set_trust(staff, club, member, level="trusted", reason="known")  # trust.promoted
    actions.set_trust(staff, club, member, level="newcomer", reason="spam")  # trust.demoted
    word = actions.add_watched_word(staff, club, pattern="spam*", action="hold")  # added
    actions.remove_watched_word(staff, word)  # watched_word.removed
