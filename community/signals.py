"""Domain signals other apps listen to (badges, notifications).

Sent after commit by ``community.actions``, never inside a transaction, so a
receiver never sees a change that could still roll back.
"""

from django.dispatch import Signal

# sender=Membership; kwargs: membership (None once removed), community, user,
# actor, previous_state, previous_role (None for a new membership).
membership_changed = Signal()

# sender=Community; kwargs: community, actor.
community_created = Signal()
